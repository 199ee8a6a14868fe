from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from notes.origin import same_origin_required

from . import clicks, defences, recommendations, referrals, subscribing, topics
from .forms import SubscribeForm
from .limits import over_limit
from .models import Topic, landing_source, note_from_slug
from .recommendations import origin_of


def _subscribe_page(request, form, status=200, **context):
    context = {
        "form": form,
        "topics": list(Topic.objects.all()),  # none defined: the form has no topic choice
        "chosen_topics": request.POST.getlist("topics"),
        **context,
    }
    return render(request, "newsletter/subscribe.html", context, status=status)


def _refused(request, form, refusal: str, status: int):
    """A defence refused the post: counted for the dashboard, said plainly on the form."""
    defences.count_stopped(refusal)
    if refusal == "address_limit":  # the others are the form's own errors already
        form.add_error(None, defences.MESSAGES[refusal])
    return _subscribe_page(request, form, status, referrer=request.POST.get("ref", ""))


@same_origin_required
@require_http_methods(["GET", "POST"])
def subscribe(request):
    if request.method == "GET":
        return _subscribe_page(request, SubscribeForm())
    if over_limit(request, "newsletter.subscribe"):
        defences.count_stopped("rate_limit")
        return render(request, "newsletter/rate_limited.html", status=429)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        refusal = form.refusal()
        if refusal:
            return _refused(request, form, refusal, 400)
        return _subscribe_page(request, form, 400, referrer=request.POST.get("ref", ""))
    # "You might also like": the author's first three recommendations.
    thanks = {"recommendations": recommendations.shown()[:3]}
    if form.is_bot():  # the honeypot: a bot is told what a person would be, and nothing happens
        defences.count_stopped("honeypot")
        return render(request, "newsletter/check_inbox.html", thanks)
    # A form on a note's page names the note (`from`): credited with the sign-up, like the
    # source the reader landed from (`source`, or utm_source/ref in the page's address).
    sent = subscribing.request_subscription(
        form.cleaned_data["email"],
        form.cleaned_data["name"],
        note=note_from_slug(request.POST.get("from")),
        source=landing_source(request.POST.get("source"), request.headers.get("Referer", "")),
        referrer=referrals.referrer_for(request.POST.get("ref")),
    )
    if not sent:
        return _refused(request, form, "address_limit", 429)
    topics.choose_at_signup(form.cleaned_data["email"], form.cleaned_data["topics"])
    return render(request, "newsletter/check_inbox.html", thanks)


# The ALTCHA widget asks for a challenge when a reader starts on a subscribe form. Never cached:
# each challenge is solved once.
@never_cache
@require_safe
def challenge(request):
    return JsonResponse(defences.new_challenge())


# A reader's referral link: the subscribe page, carrying their code. The page is never cached
# and sets no cookie: the code travels in the form.
@never_cache
@require_safe
def referral(request, code):
    referrer = referrals.referrer_for(code)
    context = {"referrer": code if referrer else ""}
    return _subscribe_page(request, SubscribeForm(), **context)


# Cross-site subscribe: another site's form posts an address here (see README, "Cross-site
# subscribe"). It changes nothing: it shows this site's own form, filled in, which then goes
# through every defence and double opt-in. So it is the one form view open to other origins,
# rate limited like the others.
@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def subscribe_remote(request):
    if over_limit(request, "newsletter.subscribe"):
        defences.count_stopped("rate_limit")
        return render(request, "newsletter/rate_limited.html", status=429)
    email = request.POST.get("email", "")[:254]
    if "\n" in email or "\r" in email:
        email = ""
    form = SubscribeForm(initial={"email": email})
    return _subscribe_page(request, form, remote=True)


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
    context = {"subscriber": subscriber}
    if request.method == "POST":  # "You might also like", once subscribed
        context["recommendations"] = recommendations.shown()[:3]
    return render(request, template, context)


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


# The author's recommendations. The page is the same for everyone, so caches may keep it.
@require_safe
def recommendations_page(request):
    shown = list(recommendations.shown())
    response = render(request, "newsletter/recommendations.html", {"recommendations": shown})
    # Each recommended Solo site's subscribe form posts there: let the CSP allow those forms.
    targets = [origin_of(item.subscribe_url) for item in shown if item.subscribe_url]
    if targets:
        response._csp_update = {"form-action": sorted(set(targets))}
    return response


# A click on a recommendation: counted, then sent to the address the author stored (never one
# from the request, so this cannot be an open redirect). POST from our own pages; GET too, for
# readers whose click is a plain link, but HEAD (link previews) is not counted.
@never_cache
@same_origin_required
@require_http_methods(["GET", "HEAD", "POST"])
def recommendation_go(request, pk):
    url = recommendations.follow(pk, count=request.method != "HEAD")
    if url is None:
        raise Http404
    return HttpResponseRedirect(url)
