"""The service objects that handlers use, built once per application from its settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request

from api.publication.render import PageCache
from api.publication.served import ServedPages
from api.settings import Settings
from survey_engine.administration.admin_units import AdminUnitService
from survey_engine.administration.agencies import AgencyService, ServicePointService
from survey_engine.administration.agency_successions import AgencySuccessionService
from survey_engine.administration.map_changes import MapChangeService
from survey_engine.administration.provinces import ProvinceService
from survey_engine.administration.questionnaires import QuestionnaireService
from survey_engine.administration.staff import StaffService
from survey_engine.administration.waves import WaveService
from survey_engine.collection.kiosks import KioskDeviceService
from survey_engine.collection.ratelimit import SubmissionRateLimit
from survey_engine.collection.submissions import SubmissionService
from survey_engine.fieldwork.frames import FrameService
from survey_engine.fieldwork.phone import PhoneService
from survey_engine.fieldwork.samples import FieldworkService
from survey_engine.fieldwork.weights import WeightsService
from survey_engine.integrations.apikeys import ApiKeyService
from survey_engine.integrations.counter_import import CounterImportService
from survey_engine.integrations.dashboard import CounterDashboardService
from survey_engine.integrations.officers import OfficerService
from survey_engine.paper.service import PaperService
from survey_engine.publication.public import PublicResults
from survey_engine.publication.releases import ReleaseRecord, ReleaseService
from survey_engine.security import PasswordHashing
from survey_engine.webhooks.delivery import DeliveryPolicy, DeliveryWorker
from survey_engine.webhooks.subscriptions import WebhookService


@dataclass(frozen=True)
class Services:
    settings: Settings
    staff: StaffService
    provinces: ProvinceService
    agencies: AgencyService
    service_points: ServicePointService
    admin_units: AdminUnitService
    map_changes: MapChangeService  # map versions, imports and predecessor → successor units
    agency_successions: AgencySuccessionService  # which agency of the new map continues which
    questionnaires: QuestionnaireService
    waves: WaveService
    submissions: SubmissionService
    kiosks: KioskDeviceService
    phone: PhoneService
    frames: FrameService
    fieldwork: FieldworkService
    weights: WeightsService
    webhooks: WebhookService
    paper: PaperService
    api_keys: ApiKeyService
    counter_import: CounterImportService
    counter_dashboard: CounterDashboardService
    officers: OfficerService
    releases: ReleaseService
    public_results: PublicResults  # published snapshots, kept in memory (pages never estimate)
    results_pages: PageCache  # rendered public pages and files, by the versions they show
    served_pages: ServedPages  # public pages' ready answers by address, valid while nothing new is published
    rate_limiter: (
        SubmissionRateLimit  # the submissions' limit (counted in the database), settable at run time
    )

    @classmethod
    def build(cls, settings: Settings) -> Services:
        hashing = PasswordHashing(settings.argon2_time_cost, settings.argon2_memory_cost_kib)
        rate_limit = SubmissionRateLimit(settings.rate_limit_per_minute)
        submissions = SubmissionService(settings.secret_key, rate_limit=rate_limit)
        counter_dashboard = CounterDashboardService()
        map_changes = MapChangeService()
        # Public wave pages show trends carried across a map change: a re-imported succession is a change of
        # what they show, like a publication (seen within the list's and the revision's few seconds).
        public_results = PublicResults(also_shows=map_changes.revision)

        async def show_published(_: ReleaseRecord) -> None:
            public_results.forget()  # this process's public pages show the new version at once

        return cls(
            settings=settings,
            staff=StaffService(hashing, settings.session_hours, settings.bearer_days),
            provinces=ProvinceService(),
            agencies=AgencyService(),
            service_points=ServicePointService(),
            admin_units=AdminUnitService(),
            map_changes=map_changes,
            agency_successions=AgencySuccessionService(map_changes),
            questionnaires=QuestionnaireService(),
            waves=WaveService(),
            submissions=submissions,
            kiosks=KioskDeviceService(),
            phone=PhoneService(),
            frames=FrameService(),
            fieldwork=FieldworkService(),
            weights=WeightsService(),
            webhooks=WebhookService(
                settings.secret_key, settings.webhook_allow_hosts, DeliveryPolicy().retry_window
            ),
            paper=PaperService(submissions),
            api_keys=ApiKeyService(settings.api_key_requests_per_minute),
            counter_import=CounterImportService(settings.secret_key),
            counter_dashboard=counter_dashboard,
            officers=OfficerService(counter_dashboard),
            releases=ReleaseService(on_published=[show_published]),
            public_results=public_results,
            results_pages=PageCache(),
            served_pages=ServedPages(public_results),
            rate_limiter=rate_limit,
        )

    def webhook_worker(self) -> DeliveryWorker:
        """A delivery worker with the settings' timeout and allowed hosts (the server's task, the CLI)."""
        policy = DeliveryPolicy(
            timeout_seconds=self.settings.webhook_timeout_seconds,
            allowed_hosts=self.settings.webhook_allow_hosts,
        )
        return DeliveryWorker(self.settings.secret_key, policy)

    def online_url(self, token: str) -> str:
        return f"{self.settings.base_url}/f/{token}"

    def kiosk_url(self, token: str) -> str:
        return f"{self.settings.base_url}/k/{token}"


def services_of(request: Request[Any, Any, Any]) -> Services:
    """The application's services, typed: ``app.state`` is untyped, so reading the container through here
    lets the type checker see every service call."""
    services: Services = request.app.state.services
    return services
