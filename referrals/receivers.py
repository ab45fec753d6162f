"""Social prescribing listens to the directory's signals (a session marked attended) and
to its own (a referral changed: the other side is told, through the notifications room's
service; referrals sits above notifications, which cannot import it)."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from activities import choices as activity_choices
from activities import signals as directory
from activities.models import Membership
from notifications import messages
from notifications.choices import ReferralKind
from notifications.services import notify
from referrals import services, signals
from referrals.choices import Answer, Side
from referrals.models import ShortlistItem

# The referrers' notification when a person answers on their link's page.
SHORTLIST_ANSWERED = "shortlist_answered"


@receiver(directory.registration_changed)
def _registration_changed(sender, registration, previous_status=None, **kwargs) -> None:
    if registration.status == activity_choices.RegistrationStatus.ATTENDED:
        services.referrals_started_by_attendance(
            user_id=registration.user_id, activity_id=registration.activity_id
        )


@receiver(signals.referral_changed)
def _referral_changed(sender, referral, previous_status, side, by=None, **kwargs) -> None:
    """Tell the other side: the receiving organization's owners and editors when the referrer
    or the system moved it, the referring organization's referrers when the receiver did."""
    if side == Side.RECEIVER:
        organization_id = referral.referring_organization_id
        roles = [activity_choices.MembershipRole.REFERRER]
    else:
        organization_id = referral.receiving_organization_id
        roles = [activity_choices.MembershipRole.OWNER, activity_choices.MembershipRole.EDITOR]
    recipients = (
        Membership.objects.filter(organization_id=organization_id, role__in=roles)
        .exclude(user=by)
        .select_related("user")
    )
    title = (
        referral.activity.title if referral.activity_id else referral.receiving_organization.name
    )
    for membership in recipients:
        user = membership.user
        with messages.rendered_in(user.preferred_language):
            heading, body = messages.referral_changed(
                number=referral.pk,
                status_label=str(referral.get_status_display()),
                title=title,
                new=previous_status is None,
            )
        notify(
            user=user,
            kind=(
                ReferralKind.REFERRAL_RECEIVED
                if previous_status is None
                else ReferralKind.REFERRAL_CHANGED
            ),
            title=heading,
            body=body,
            data={"referral": referral.pk, "status": referral.status},
            dedupe_key=f"referral:{referral.pk}:{referral.status}:{previous_status}",
        )


@receiver(signals.shortlist_answered)
def _shortlist_answered(sender, shortlist_id, activity_id, answer, referral_id, **kwargs) -> None:
    """Tell the referrers of the organization holding the person what they answered."""
    item = (
        ShortlistItem.objects.select_related("shortlist__person", "activity")
        .filter(shortlist_id=shortlist_id, activity_id=activity_id)
        .first()
    )
    if item is None:
        return
    person = item.shortlist.person
    recipients = Membership.objects.filter(
        organization_id=person.organization_id, role=activity_choices.MembershipRole.REFERRER
    ).select_related("user")
    for membership in recipients:
        user = membership.user
        with messages.rendered_in(user.preferred_language):
            values = {"name": person.first_name, "title": item.activity.title}
            if answer == Answer.GOING:
                heading = _("%(name)s would like to go to %(title)s") % values
                body = _("A referral was made; the organization running it is told.")
            else:
                heading = _("%(name)s said %(title)s is not for them") % values
                body = _("You may suggest another activity.")
        notify(
            user=user,
            kind=SHORTLIST_ANSWERED,
            title=str(heading),
            body=str(body),
            data={
                "shortlist": shortlist_id,
                "activity": activity_id,
                "answer": answer,
                "referral": referral_id,
                "person": person.pk,
            },
            dedupe_key=f"shortlist:{shortlist_id}:{activity_id}:{answer}",
        )
