// End to end with the npm Mastodon clients that web and desktop apps are built on (masto, megalodon), against
// a real Caravan: registration, posting with media and a poll, timelines with Link paging, notifications,
// streaming (new, edited and deleted posts over each library's WebSocket client) and push subscriptions.
// Usage: node e2e.mjs http://127.0.0.1:PORT. Prints one "ok <step>" line per step; exits 1 with "FAIL <why>".
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from "masto";
import megalodon from "megalodon";

const generator = megalodon.default || megalodon;

const base = process.argv[2];
if (!base) {
  console.error("FAIL usage: node e2e.mjs <server url>");
  process.exit(2);
}
const tag = crypto.randomBytes(4).toString("hex");
const PASSWORD = "correct horse battery";

function check(condition, message) {
  if (!condition) throw new Error(message);
}
const ok = (step) => console.log(`ok ${step}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// An 8x8 PNG, made here so the script needs no files.
function png() {
  return Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAFElEQVR4nGM8EaDBgA0wYRUdtBIA/ygBUMG5Z0IAAAAASUVORK5CYII=",
    "base64",
  );
}

/** Waits until `events` holds one matching `match`, or fails after `ms`. */
async function waitFor(events, match, what, ms = 20000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = events.find(match);
    if (found) return found;
    await sleep(100);
  }
  throw new Error(`${what}: not seen within ${ms} ms; got ${JSON.stringify(events.map((e) => e.label))}`);
}

function linkParams(link, rel) {
  const part = (link || "").split(",").find((p) => p.includes(`rel="${rel}"`));
  check(part, `no rel="${rel}" in Link header: ${link}`);
  return Object.fromEntries(new URL(part.match(/<([^>]+)>/)[1]).searchParams);
}

async function main() {
  // --- registration: an app, its client-credentials token, two accounts (one through each library) ---
  const anonymous = createRestAPIClient({ url: base });
  const app = await anonymous.v1.apps.create({
    clientName: `npm e2e ${tag}`,
    redirectUris: "urn:ietf:wg:oauth:2.0:oob",
    scopes: "read write follow push",
  });
  check(app.clientId && app.clientSecret, "app without client credentials");
  const oauth = createOAuthAPIClient({ url: base });
  const appToken = await oauth.token.create({
    grantType: "client_credentials",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    scope: "read write follow push",
  });
  const registrar = createRestAPIClient({ url: base, accessToken: appToken.accessToken });
  const aliceToken = await registrar.v1.accounts.create({
    username: `ma${tag}`,
    email: `ma${tag}@example.org`,
    password: PASSWORD,
    agreement: true,
    locale: "en",
  });
  const alice = createRestAPIClient({ url: base, accessToken: aliceToken.accessToken });
  const aliceAccount = await alice.v1.accounts.verifyCredentials();
  check(aliceAccount.username === `ma${tag}`, `masto registered ${aliceAccount.username}`);
  const megaRegistrar = generator("mastodon", base, appToken.accessToken);
  const bobToken = (await megaRegistrar.registerAccount(`mb${tag}`, `mb${tag}@example.org`, PASSWORD, true, "en"))
    .data;
  check(bobToken.access_token, `megalodon registration gave no token: ${JSON.stringify(bobToken)}`);
  const bob = generator("mastodon", base, bobToken.access_token);
  const bobAccount = (await bob.verifyAccountCredentials()).data;
  check(bobAccount.username === `mb${tag}`, `megalodon registered ${bobAccount.username}`);
  ok("registration (masto and megalodon)");

  // --- posting with media and a poll ---
  const media = await alice.v2.media.create({ file: new Blob([png()], { type: "image/png" }), description: "dot" });
  check(media.type === "image" && media.description === "dot", `masto media: ${JSON.stringify(media)}`);
  const pictured = await alice.v1.statuses.create({ status: `a picture ${tag}`, mediaIds: [media.id] });
  check(pictured.mediaAttachments.length === 1, "masto post lost its media");
  const polled = await alice.v1.statuses.create({
    status: `a poll ${tag}`,
    poll: { options: ["yes", "no"], expiresIn: 3600 },
  });
  check(polled.poll && polled.poll.options.length === 2, "masto post lost its poll");
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "caravan-e2e-")), "dot.png");
  fs.writeFileSync(file, png()); // megalodon uploads a file stream
  const bobMedia = (await bob.uploadMedia(fs.createReadStream(file), { description: "dot" })).data;
  const bobPost = (await bob.postStatus(`bob's picture ${tag}`, { media_ids: [bobMedia.id] })).data;
  check(bobPost.media_attachments.length === 1, "megalodon post lost its media");
  const bobPoll = (
    await bob.postStatus(`bob's poll ${tag}`, { poll: { options: ["left", "right"], expires_in: 3600 } })
  ).data;
  check(bobPoll.poll && bobPoll.poll.options.length === 2, "megalodon post lost its poll");
  const voted = (await bob.votePoll(polled.poll.id, [0])).data;
  check(voted.voted && voted.votes_count === 1, `megalodon vote: ${JSON.stringify(voted)}`);
  ok("posting with media and a poll");

  // --- timelines with Link paging ---
  await bob.followAccount(aliceAccount.id);
  for (let i = 0; i < 5; i++) await alice.v1.statuses.create({ status: `page post ${i} ${tag}` });
  await sleep(1500); // fan-out to bob's home feed runs in the worker
  const seen = [];
  for await (const page of alice.v1.timelines.home.list({ limit: 2 })) {
    check(page.length <= 2, `masto page of ${page.length}`);
    seen.push(...page.map((s) => s.id));
    if (seen.length >= 6) break;
  }
  check(new Set(seen).size === seen.length && seen.length >= 6, `masto home pages repeat or stop: ${seen}`);
  check(
    seen.every((id, i) => i === 0 || BigInt(id) < BigInt(seen[i - 1])),
    `masto home pages are not newest first: ${seen}`,
  );
  const first = await bob.getHomeTimeline({ limit: 2 });
  const next = await bob.getHomeTimeline({ limit: 2, ...linkParams(first.headers.link, "next") });
  check(next.data.length === 2 && next.data[0].id !== first.data[0].id, "megalodon next page repeats the first");
  const back = await bob.getHomeTimeline({ limit: 2, ...linkParams(next.headers.link, "prev") });
  check(
    JSON.stringify(back.data.map((s) => s.id)) === JSON.stringify(first.data.map((s) => s.id)),
    `prev of the second page is not the first: ${back.data.map((s) => s.id)} vs ${first.data.map((s) => s.id)}`,
  );
  const local = [];
  for await (const page of alice.v1.timelines.public.list({ local: true, limit: 3 })) {
    local.push(...page.map((s) => s.id));
    if (local.length >= 6) break;
  }
  check(new Set(local).size === local.length && local.length >= 6, `masto local timeline pages: ${local}`);
  const publicPage = await bob.getPublicTimeline({ limit: 2 });
  const publicNext = await bob.getPublicTimeline({ limit: 2, ...linkParams(publicPage.headers.link, "next") });
  check(publicNext.data.length === 2, "megalodon public timeline next page is short");
  ok("home and public timelines with Link paging");

  // --- notifications ---
  await bob.favouriteStatus(pictured.id);
  await bob.postStatus(`@${aliceAccount.acct} hello ${tag}`);
  await alice.v1.statuses.$select(bobPost.id).favourite();
  await sleep(500);
  const types = new Set();
  for await (const page of alice.v1.notifications.list({ limit: 10 })) {
    page.forEach((n) => types.add(n.type));
    break;
  }
  for (const type of ["follow", "favourite", "mention"]) check(types.has(type), `masto notifications lack ${type}`);
  const bobNotes = (await bob.getNotifications({ limit: 10 })).data;
  check(
    bobNotes.some((n) => n.type === "favourite" && n.status && n.status.id === bobPost.id),
    `megalodon notifications: ${JSON.stringify(bobNotes.map((n) => n.type))}`,
  );
  ok("notifications");

  // --- streaming: new, edited and deleted posts over both libraries' WebSocket clients ---
  const instance = await alice.v2.instance.fetch();
  const streaming = createStreamingAPIClient({
    streamingApiUrl: instance.configuration.urls.streaming,
    accessToken: bobToken.access_token,
  });
  const mastoEvents = [];
  const subscriptions = [streaming.user.subscribe(), streaming.public.local.subscribe()];
  for (const subscription of subscriptions) {
    (async () => {
      for await (const event of subscription) {
        const id = event.event === "delete" ? event.payload : event.payload && event.payload.id;
        mastoEvents.push({ stream: event.stream, event: event.event, id, label: `${event.stream}:${event.event}` });
      }
    })().catch((error) => mastoEvents.push({ label: `error ${error}` }));
  }
  const megaEvents = [];
  const socket = await bob.userStreaming();
  const connected = new Promise((resolve) => socket.on("connect", resolve));
  socket.on("update", (s) => megaEvents.push({ event: "update", id: s.id, label: "update" }));
  socket.on("status_update", (s) => megaEvents.push({ event: "status.update", id: s.id, label: "status.update" }));
  socket.on("delete", (id) => megaEvents.push({ event: "delete", id, label: "delete" }));
  socket.on("error", (error) => megaEvents.push({ label: `error ${error}` }));
  await connected;
  await sleep(1000); // masto's subscribe messages reach the server
  const live = await alice.v1.statuses.create({ status: `live ${tag}` });
  for (const [event, change] of [
    ["update", null],
    ["status.update", () => alice.v1.statuses.$select(live.id).update({ status: `live, edited ${tag}` })],
    ["delete", () => alice.v1.statuses.$select(live.id).remove()],
  ]) {
    if (change) await change();
    for (const stream of ["user", "public:local"]) {
      await waitFor(
        mastoEvents,
        (e) => e.event === event && e.id === live.id && JSON.stringify(e.stream) === JSON.stringify([stream]),
        `masto ${event} on ${stream}`,
      );
    }
    await waitFor(megaEvents, (e) => e.event === event && e.id === live.id, `megalodon ${event}`);
  }
  subscriptions.forEach((s) => s.unsubscribe());
  streaming.close();
  socket.stop();
  ok("streaming of new, edited and deleted posts (masto, megalodon)");

  // --- push subscription ---
  const vapid = instance.configuration.vapid && instance.configuration.vapid.publicKey;
  check(vapid, `the instance publishes no VAPID key: ${JSON.stringify(instance.configuration.vapid)}`);
  {
    const ecdh = crypto.createECDH("prime256v1");
    ecdh.generateKeys();
    const keys = { p256dh: ecdh.getPublicKey("base64url"), auth: crypto.randomBytes(16).toString("base64url") };
    const endpoint = `https://127.0.0.1:9/push/${tag}`; // loopback, nothing listens: nothing leaves the machine
    const created = await alice.v1.push.subscription.create({
      subscription: { endpoint, keys },
      data: { alerts: { mention: true, follow: true }, policy: "all" },
    });
    check(created.endpoint === endpoint && created.serverKey === vapid, `masto push create: ${JSON.stringify(created)}`);
    const fetched = await alice.v1.push.subscription.fetch();
    check(fetched.id === created.id && fetched.alerts.mention === true, "masto push fetch");
    const updated = await alice.v1.push.subscription.update({ data: { alerts: { mention: false }, policy: "followed" } });
    check(updated.alerts.mention === false && updated.policy === "followed", `masto push update: ${JSON.stringify(updated)}`);
    await alice.v1.push.subscription.remove();
    const megaCreated = (
      await bob.subscribePushNotification({ endpoint, keys }, { alerts: { favourite: true }, policy: "all" })
    ).data;
    check(megaCreated.endpoint === endpoint && megaCreated.alerts.favourite === true, "megalodon push create");
    check((await bob.getPushSubscription()).data.id === megaCreated.id, "megalodon push get");
    const megaUpdated = (await bob.updatePushSubscription({ alerts: { favourite: false } })).data;
    check(megaUpdated.alerts.favourite === false, "megalodon push update");
    await bob.deletePushSubscription();
    let gone = false;
    try {
      await bob.getPushSubscription();
    } catch (error) {
      gone = error.response && error.response.status === 404;
    }
    check(gone, "a deleted push subscription is still there");
    ok("push subscription (masto, megalodon)");
  }
}

main().then(
  () => {
    console.log("ALL OK");
    process.exit(0);
  },
  (error) => {
    const answer = error && error.response ? ` (server said ${JSON.stringify(error.response.data)})` : "";
    console.log(`FAIL ${error && error.stack ? error.stack : error}${answer}`);
    process.exit(1);
  },
);
