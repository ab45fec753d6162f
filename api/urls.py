from django.urls import path, re_path

from api import (
    accounts,
    activities,
    back_office,
    calendar,
    collections,
    coverage,
    curation,
    directory,
    engagement,
    imports,
    matching,
    notifications,
    reports,
    search,
)
from api.errors import not_found

app_name = "api"

urlpatterns = [
    path("auth/register/", accounts.RegisterApi.as_view(), name="auth-register"),
    path("auth/token/", accounts.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", accounts.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", accounts.LogoutApi.as_view(), name="auth-logout"),
    path("auth/password/", accounts.PasswordChangeApi.as_view(), name="auth-password"),
    path("me/", accounts.MeApi.as_view(), name="me"),
    path("me/profile/", matching.ProfileApi.as_view(), name="me-profile"),
    path("me/activities/", back_office.MyActivityListApi.as_view(), name="my-activities"),
    path("me/devices/", notifications.DeviceCollectionApi.as_view(), name="my-devices"),
    path("me/devices/<int:pk>/", notifications.DeviceDetailApi.as_view(), name="my-device-detail"),
    path("me/notifications/", notifications.NotificationListApi.as_view(), name="my-notifications"),
    path(
        "me/notifications/unread-count/",
        notifications.UnreadCountApi.as_view(),
        name="my-notifications-unread-count",
    ),
    path(
        "me/notifications/read-all/",
        notifications.NotificationReadAllApi.as_view(),
        name="my-notifications-read-all",
    ),
    path(
        "me/notifications/<int:pk>/read/",
        notifications.NotificationReadApi.as_view(),
        name="my-notification-read",
    ),
    path(
        "me/notification-preferences/",
        notifications.PreferencesApi.as_view(),
        name="my-notification-preferences",
    ),
    path("recommendations/", matching.RecommendationListApi.as_view(), name="recommendations"),
    path(
        "recommendations/refresh/",
        matching.RecommendationRefreshApi.as_view(),
        name="recommendations-refresh",
    ),
    path("feedback/", matching.FeedbackCollectionApi.as_view(), name="feedback"),
    path("feedback/<int:pk>/", matching.FeedbackDetailApi.as_view(), name="feedback-detail"),
    path("categories/", directory.CategoryListApi.as_view(), name="category-list"),
    path("territories/", directory.TerritoryListApi.as_view(), name="territory-list"),
    path(
        "territories/<str:insee_code>/",
        directory.TerritoryDetailApi.as_view(),
        name="territory-detail",
    ),
    path("organizations/", directory.OrganizationListApi.as_view(), name="organization-list"),
    path(
        "organizations/<slug:slug>/",
        directory.OrganizationDetailApi.as_view(),
        name="organization-detail",
    ),
    path(
        "organizations/<slug:slug>/members/",
        directory.MembershipListApi.as_view(),
        name="membership-list",
    ),
    path(
        "organizations/<slug:slug>/members/<int:pk>/",
        directory.MembershipDetailApi.as_view(),
        name="membership-detail",
    ),
    path("places/", directory.PlaceListApi.as_view(), name="place-list"),
    path("places/<int:pk>/", directory.PlaceDetailApi.as_view(), name="place-detail"),
    path("activities/", search.ActivityCollectionApi.as_view(), name="activity-list"),
    path("activities/<int:pk>/", activities.ActivityDetailApi.as_view(), name="activity-detail"),
    path(
        "activities/<int:pk>/submit/",
        activities.ActivitySubmitApi.as_view(),
        name="activity-submit",
    ),
    path(
        "activities/<int:pk>/schedules/",
        activities.ScheduleListApi.as_view(),
        name="schedule-list",
    ),
    path(
        "activities/<int:pk>/occurrences/",
        activities.ActivityOccurrenceListApi.as_view(),
        name="activity-occurrences",
    ),
    path("occurrences/", search.OccurrenceSearchApi.as_view(), name="occurrence-list"),
    path("schedules/<int:pk>/", activities.ScheduleDetailApi.as_view(), name="schedule-detail"),
    path(
        "occurrences/<int:pk>/",
        activities.OccurrenceDetailApi.as_view(),
        name="occurrence-detail",
    ),
    path(
        "activities/<int:pk>/calendar.ics",
        calendar.ActivityCalendarApi.as_view(),
        name="activity-calendar",
    ),
    path("imports/", imports.ImportCollectionApi.as_view(), name="imports"),
    path("imports/template.csv", imports.ImportTemplateApi.as_view(), name="imports-template"),
    path("imports/<int:pk>/", imports.ImportDetailApi.as_view(), name="import-detail"),
    path("me/calendar-feed/", calendar.CalendarFeedApi.as_view(), name="calendar-feed"),
    path(
        "me/calendar-feed/rotate/",
        calendar.CalendarFeedRotateApi.as_view(),
        name="calendar-feed-rotate",
    ),
    path(
        "calendar/<str:token>.ics", calendar.CalendarFeedIcsApi.as_view(), name="calendar-feed-ics"
    ),
    path("favorites/", engagement.FavoriteCollectionApi.as_view(), name="favorite-list"),
    path(
        "favorites/<int:activity_id>/",
        engagement.FavoriteDetailApi.as_view(),
        name="favorite-detail",
    ),
    path(
        "occurrences/<int:pk>/registration/",
        engagement.OccurrenceRegistrationApi.as_view(),
        name="occurrence-registration",
    ),
    path(
        "activities/<int:pk>/registration/",
        engagement.ActivityRegistrationApi.as_view(),
        name="activity-registration",
    ),
    path(
        "activities/<int:pk>/registrations/",
        engagement.ActivityRegistrationListApi.as_view(),
        name="activity-registrations",
    ),
    path(
        "activities/<int:pk>/welcome/",
        engagement.ActivityWelcomeApi.as_view(),
        name="activity-welcome",
    ),
    path(
        "registrations/<int:pk>/confirm/",
        engagement.RegistrationConfirmApi.as_view(),
        name="registration-confirm",
    ),
    path(
        "registrations/<int:pk>/how-it-went/",
        engagement.RegistrationVisitApi.as_view(),
        name="registration-how-it-went",
    ),
    path(
        "registrations/<int:pk>/attendance/",
        engagement.RegistrationAttendanceApi.as_view(),
        name="registration-attendance",
    ),
    path(
        "me/registrations/",
        engagement.MyRegistrationListApi.as_view(),
        name="my-registrations",
    ),
    path("moderation/queue/", curation.ModerationQueueApi.as_view(), name="moderation-queue"),
    path(
        "activities/<int:pk>/moderation/",
        curation.ActivityModerationApi.as_view(),
        name="activity-moderation",
    ),
    path(
        "activities/<int:pk>/history/",
        curation.ActivityHistoryApi.as_view(),
        name="activity-history",
    ),
    path(
        "organizations/<slug:slug>/verification/",
        curation.OrganizationVerificationApi.as_view(),
        name="organization-verification",
    ),
    path(
        "organizations/<slug:slug>/history/",
        curation.OrganizationHistoryApi.as_view(),
        name="organization-history",
    ),
    path(
        "me/curated-territories/",
        curation.CuratedTerritoryListApi.as_view(),
        name="my-curated-territories",
    ),
    path("reports/", reports.ReportCollectionApi.as_view(), name="report-list"),
    path("reports/<int:pk>/", reports.ReportDetailApi.as_view(), name="report-detail"),
    path("reports/<int:pk>/triage/", reports.ReportTriageApi.as_view(), name="report-triage"),
    path("collections/", collections.CollectionListApi.as_view(), name="collection-list"),
    path(
        "collections/<slug:slug>/",
        collections.CollectionDetailApi.as_view(),
        name="collection-detail",
    ),
    path(
        "collections/<slug:slug>/items/",
        collections.CollectionItemsApi.as_view(),
        name="collection-items",
    ),
    path("stats/coverage/", coverage.CoverageApi.as_view(), name="coverage"),
    path("stats/coverage.png", coverage.CoverageMapApi.as_view(), name="coverage-map"),
    path("stats/indicators/", coverage.IndicatorListApi.as_view(), name="indicator-list"),
    path(
        "stats/indicators/<int:pk>/",
        coverage.IndicatorDetailApi.as_view(),
        name="indicator-detail",
    ),
    # Last: any other path under /api/v1/ is a 404 in the error shape, whatever DEBUG says.
    re_path(r"^.*$", not_found, name="not-found"),
]
