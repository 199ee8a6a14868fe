from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from notes.origin import same_origin_required

from . import clicks, subscribing, topics
from .forms import SubscribeForm
from .limits import over_limit
from .models import Topic, landing_source, note_from_slug


@same_origin_required
@require_http_methods(["GET", "POST"])
def subscribe(request):
    if request.method == "GET":
        return _subscribe_page(request, SubscribeForm())
    if over_limit(request, "newsletter.subscribe"):
        return render(request, "newsletter/rate_limited.html", status=429)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return _subscribe_page(request, form, status=400)
    if not form.is_bot():
        # A form on a note's page names the note (`from`): credited with the sign-up, like the
        # source the reader landed from (`source`, or utm_source/ref in the page's address).
        subscribing.request_subscription(
            form.cleaned_data["email"],
            form.cleaned_data["name"],
            note=note_from_slug(request.POST.get("from")),
            source=landing_source(request.POST.get("source"), request.headers.get("Referer", "")),
        )
        topics.choose_at_signup(form.cleaned_data["email"], form.cleaned_data["topics"])
    return render(request, "newsletter/check_inbox.html")


def _subscribe_page(request, form, status=200):
    context = {
        "form": form,
        "topics": list(Topic.objects.all()),  # none defined: the form has no topic choice
        "chosen_topics": request.POST.getlist("topics"),
    }
    return render(request, "newsletter/subscribe.html", context, status=status)


# GET shows a button and changes nothing (mail scanners open links); POST confirms. The signed
# link is the proof; the page a scanner opens sets nothing.
@same_origin_required
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    if request.method == "POST":
        subscriber = subscribing.confirm(token)
        template = "newsletter/confirmed.html"
    else:
        subscriber = subscribing.subscriber_for_confirm_token(token)
        template = "newsletter/confirm.html"
    if subscriber is None:
        context = {"form": SubscribeForm()}
        return render(request, "newsletter/bad_link.html", context, status=400)
    return render(request, template, {"subscriber": subscriber})


# RFC 8058 one-click: mail providers POST `List-Unsubscribe=One-Click` with no cookie, no token
# and no Origin, which same_origin_required lets through. It leaves what the link names: the
# topics of a topic-targeted issue (`?topics=`), else everything; the page's second button
# (`everything`) leaves everything.
@same_origin_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    subscriber = subscribing.subscriber_for_unsubscribe_token(token)
    topic_ids = topics.ids_from_query(request.GET.get("topics"))
    if subscriber is None or topic_ids is None:
        return render(request, "newsletter/bad_link.html", {"form": SubscribeForm()}, status=400)
    # Topics deleted since the email was sent: the link can only mean everything.
    named = list(Topic.objects.filter(pk__in=topic_ids)) if topic_ids else []
    context = {"subscriber": subscriber, "topics": named}
    if request.method == "POST":
        if named and "everything" not in request.POST:
            context["topics"] = topics.leave(subscriber, [topic.pk for topic in named])
            return render(request, "newsletter/left_topics.html", context)
        subscriber.unsubscribe()
        return render(request, "newsletter/unsubscribed.html", context)
    # GET changes nothing: mail scanners follow links.
    return render(request, "newsletter/unsubscribe.html", context)


# Never cached: a cached redirect would skip counting. GET and HEAD only (HEAD is not counted).
@never_cache
@require_safe
def click(request, delivery, link):
    url = clicks.follow(delivery, link, request.method, request.headers.get("User-Agent", ""))
    if url is None:  # a forged or damaged link: say so, send nobody anywhere
        return render(request, "newsletter/bad_click.html", status=400)
    return HttpResponseRedirect(url)
