import ipaddress

from django.db import migrations, models


def network(address: str) -> str:
    """As `caravan.throttling.network_key` (IPv4 /24, IPv6 /48), repeated here so the migration stays as written."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if isinstance(ip, ipaddress.IPv4Address) else 48
    return str(ipaddress.ip_network((ip, prefix), strict=False))


def fill_networks(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(sign_up_ip=None).only("id", "sign_up_ip").iterator():
        User.objects.filter(pk=user.pk).update(sign_up_network=network(user.sign_up_ip))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_sign_up_ip"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="sign_up_network",
            field=models.CharField(blank=True, db_index=True, default="", max_length=50),
        ),
        migrations.AddField(
            model_name="user",
            name="sign_up_holds",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(fill_networks, migrations.RunPython.noop),
    ]
