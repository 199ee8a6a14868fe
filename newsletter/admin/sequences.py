"""Welcome sequences in the admin: a sequence per trigger, its steps inline with their figures."""

import smtplib

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import sequences
from ..models import Enrollment, Sequence, SequenceStep


class StepInline(admin.StackedInline):
    model = SequenceStep
    extra = 1
    fields = ["days", "subject", "body", "paused", "figures"]
    readonly_fields = ["figures"]

    def get_queryset(self, request):
        # Every step's figures in the steps' own query (rule constant-sql).
        return sequences.with_figures(super().get_queryset(request))

    @admin.display(description=_("so far"))
    def figures(self, step):
        if step.pk is None:
            return "—"
        figures = gettext("%(sent)s sent · %(clicked)s clicked · %(left)s unsubscribed after it")
        return figures % {
            "sent": step.sent_count,
            "clicked": step.clicked_count,
            "left": step.unsubscribed_count,
        }


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "trigger", "step_count", "reader_count"]
    fields = ["trigger", "name"]
    inlines = [StepInline]
    actions = ["send_test"]

    def get_queryset(self, request):
        readers = (
            Enrollment.objects.filter(sequence_id=OuterRef("pk"))
            .order_by()
            .values("sequence_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                step_count=Count("steps"),
                reader_count=Coalesce(Subquery(readers, output_field=IntegerField()), 0),
            )
        )

    @admin.display(description=_("steps"), ordering="step_count")
    def step_count(self, sequence):
        return sequence.step_count

    @admin.display(description=_("readers who entered it"), ordering="reader_count")
    def reader_count(self, sequence):
        return sequence.reader_count

    @admin.action(description=_("Send me a test of each step"))
    def send_test(self, request, queryset):
        to = request.user.email
        if not to:
            self.message_user(request, _("Your account has no email address."), messages.ERROR)
            return
        # Sent during the request: a few messages, and the author waits to hear the server took
        # them, as with an issue's test.
        try:
            count = sum(sequences.send_test(sequence, [to]) for sequence in queryset)
        except (smtplib.SMTPException, OSError) as error:
            self.message_user(
                request, _("The mail server did not take the test: %s") % error, messages.ERROR
            )
            return
        self.message_user(
            request,
            ngettext("%(count)d test sent to %(to)s.", "%(count)d tests sent to %(to)s.", count)
            % {"count": count, "to": to},
        )
