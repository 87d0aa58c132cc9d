"""Media attachments: the stored, metadata-stripped image, its thumbnail and its description."""

from django.db import models

from caravan.ids import new_id


class MediaAttachment(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="media")
    post = models.ForeignKey(
        "posts.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="media_attachments"
    )
    type = models.CharField(max_length=16, default="image")  # image | gifv | video | audio | unknown
    file = models.FileField(upload_to="media/%Y/%m/", null=True, blank=True)
    thumbnail = models.FileField(upload_to="media/%Y/%m/", null=True, blank=True)
    remote_url = models.CharField(max_length=2000, blank=True, default="")
    mime_type = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(blank=True, default="")
    blurhash = models.CharField(max_length=100, blank=True, default="")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    focus_x = models.FloatField(default=0.0)
    focus_y = models.FloatField(default=0.0)
    position = models.PositiveSmallIntegerField(default=0)
    processed = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
