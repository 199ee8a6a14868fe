"""Topics in the admin: what readers may choose to receive, each tied to tags."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ..models import Subscriber, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "tag_names", "chosen_by", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["tags"]
    search_fields = ["name", "slug"]

    def get_queryset(self, request):
        # One query for the list: tags prefetched, the readers who chose each topic counted.
        chosen = Count(
            "readers",
            filter=Q(readers__status=Subscriber.Status.ACTIVE, readers__all_topics=False),
            distinct=True,
        )
        return super().get_queryset(request).prefetch_related("tags").annotate(chosen=chosen)

    @admin.display(description=_("tags"))
    def tag_names(self, topic):
        return ", ".join(tag.name for tag in topic.tags.all())

    @admin.display(description=_("chose it (active)"), ordering="chosen")
    def chosen_by(self, topic):
        return topic.chosen
