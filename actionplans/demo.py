"""Demo action plans for SPI 2024: typical OPDs of a kabupaten, OPD users, KPK-style
recommendations and plans in every state, with a small generated evidence PDF.

Loaded by spi_portal.demo.demo_load(); idempotent: what exists (by code, username or plan
title) is left as it is.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from actionplans import dates, notifications, services
from actionplans.models import (
    OPD,
    ActionPlan,
    McpArea,
    OPDMembership,
    OPDRole,
    PlanStatus,
    Recommendation,
)
from surveys.models import SurveyRound

OPDS = [
    ("INSPEKTORAT", "Inspektorat Daerah", "Inspektorat"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD"),
    ("PBJ", "Bagian Pengadaan Barang/Jasa Sekretariat Daerah", "Bagian PBJ"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP"),
    ("DINKES", "Dinas Kesehatan", "Dinkes"),
    ("DISDIK", "Dinas Pendidikan", "Disdik"),
    ("DISKOMINFO", "Dinas Komunikasi, Informatika, Statistik dan Persandian", "Diskominfo"),
]

# username, OPD code, role
OPD_USERS = [
    ("kepala_bkpsdm", "BKPSDM", OPDRole.HEAD),
    ("kepala_dpmptsp", "DPMPTSP", OPDRole.HEAD),
    ("kepala_pbj", "PBJ", OPDRole.HEAD),
    ("operator_bpkad", "BPKAD", OPDRole.OPERATOR),
    ("kepala_diskominfo", "DISKOMINFO", OPDRole.HEAD),
]

RECOMMENDATIONS_2024 = [
    (
        "R-01",
        "Terapkan sistem merit dalam mutasi, rotasi dan promosi jabatan; tutup peluang "
        "jual beli jabatan dan intervensi pihak luar.",
    ),
    (
        "R-02",
        "Umumkan standar pelayanan (persyaratan, biaya, waktu) di setiap unit layanan dan "
        "kanal daring; tindak pungutan liar.",
    ),
    (
        "R-03",
        "Perbaiki tata kelola pengadaan barang/jasa: pengumuman RUP tepat waktu, e-katalog "
        "lokal, pencegahan benturan kepentingan dan pengaturan pemenang.",
    ),
    (
        "R-04",
        "Bangun saluran pengaduan (whistleblowing) yang menjamin kerahasiaan pelapor dan "
        "sosialisasikan kepada pegawai serta pengguna layanan.",
    ),
    (
        "R-05",
        "Tertibkan perjalanan dinas dan honorarium; cegah penggunaan fasilitas kantor "
        "untuk kepentingan pribadi.",
    ),
    ("R-06", "Aktifkan Unit Pengendalian Gratifikasi dan wajibkan pelaporan gratifikasi."),
]


@dataclass
class DemoPlan:
    title: str
    owner: str
    indicators: list[str]
    recommendations: list[str]
    activity: str
    finding: str
    root_cause: str
    due_in_days: int
    status: str = PlanStatus.ACTIVE
    group: str = ""
    mcp_area: str = ""
    supporting: list[str] = field(default_factory=list)
    milestones: int = 0
    public_summary: str = ""
    # the story after creation: reports as (percent, outcome or None for pending, note)
    reports: list[tuple] = field(default_factory=list)
    cancel: bool = False
    target: str = ""
    # what the plan delivers and how success is measured (shown to the verifier)
    output: str = ""
    success_measure: str = ""
    baseline: str = ""
    unit: str = ""
    # the approval loop after creation (a draft): "submitted" by the owner's user, or
    # "returned" to it with `return_note`
    lifecycle: str = ""
    return_note: str = ""


PLANS_2024 = [
    DemoPlan(
        title="Perbup pengendalian gratifikasi dan UPG aktif",
        owner="INSPEKTORAT",
        indicators=["INT"],
        recommendations=["R-06"],
        activity="Menyusun rancangan Perbup pengendalian gratifikasi dan SK Unit Pengendalian "
        "Gratifikasi.",
        finding="Responden internal melaporkan penerimaan hadiah oleh pegawai.",
        root_cause="Belum ada aturan dan unit yang menerima laporan gratifikasi.",
        due_in_days=120,
        status=PlanStatus.DRAFT,
        mcp_area=McpArea.APIP,
    ),
    DemoPlan(
        title="Kanal pengaduan (WBS) terintegrasi dengan SP4N-LAPOR!",
        output="Kanal WBS terintegrasi SP4N-LAPOR!",
        success_measure="Pengaduan yang ditindaklanjuti dalam 14 hari",
        baseline="0",
        unit="persen",
        target="90",
        owner="DISKOMINFO",
        indicators=["SOS"],
        recommendations=["R-04"],
        activity="Membangun kanal WBS yang menjaga kerahasiaan pelapor dan menyosialisasikannya.",
        finding="Sosialisasi antikorupsi tidak dikenal; tidak ada saluran pengaduan yang aman.",
        root_cause="Kanal pengaduan tersebar dan tidak menjamin kerahasiaan.",
        due_in_days=10,
        group="expert",
        mcp_area=McpArea.PUBLIC_SERVICE,
        public_summary="Pengaduan dapat disampaikan secara rahasia melalui SP4N-LAPOR!.",
    ),
    DemoPlan(
        title="Seleksi terbuka JPT pratama berbasis sistem merit",
        output="Pola karier dan seleksi terbuka JPT pratama",
        success_measure="JPT pratama diisi melalui seleksi terbuka",
        baseline="0",
        unit="jabatan",
        target="8",
        owner="BKPSDM",
        indicators=["SDM"],
        recommendations=["R-01"],
        activity="Menetapkan pola karier dan melaksanakan seleksi terbuka dengan panitia seleksi "
        "independen.",
        finding="Indikasi jual beli jabatan dalam promosi dan mutasi.",
        root_cause="Mutasi tanpa pola karier dan tanpa uji kompetensi.",
        due_in_days=60,
        mcp_area=McpArea.ASN,
        public_summary="Jabatan pimpinan tinggi pratama diisi melalui seleksi terbuka.",
        reports=[(30, None, "")],
    ),
    DemoPlan(
        title="Standar pelayanan perizinan diumumkan di MPP dan daring",
        output="SK standar pelayanan dan papan informasi di MPP",
        success_measure="Jenis izin dengan standar pelayanan diumumkan",
        baseline="0",
        unit="jenis izin",
        target="25",
        owner="DPMPTSP",
        indicators=["TRN"],
        recommendations=["R-02"],
        activity="Menetapkan dan mengumumkan standar pelayanan 25 jenis izin di Mal Pelayanan "
        "Publik dan situs web.",
        finding="Persyaratan, biaya dan waktu layanan perizinan tidak jelas bagi pengguna.",
        root_cause="Standar pelayanan belum ditetapkan dan tidak dipajang.",
        due_in_days=45,
        group="external",
        mcp_area=McpArea.PUBLIC_SERVICE,
        public_summary="Standar pelayanan perizinan diumumkan di MPP dan situs web.",
        reports=[
            (
                50,
                "returned",
                "Lampirkan SK penetapan standar pelayanan yang sudah "
                "ditandatangani dan foto papan pengumuman.",
            )
        ],
    ),
    DemoPlan(
        title="Pengumuman RUP tepat waktu dan e-katalog lokal",
        output="RUP seluruh OPD di SiRUP; e-katalog lokal tayang",
        success_measure="OPD yang mengumumkan RUP paling lambat Maret",
        baseline="9",
        unit="OPD",
        target="38",
        owner="PBJ",
        indicators=["PBJ"],
        recommendations=["R-03"],
        activity="Mengumumkan RUP seluruh OPD di SiRUP paling lambat Maret dan menayangkan "
        "e-katalog lokal.",
        finding="Pengaturan pemenang dan benturan kepentingan dalam pengadaan.",
        root_cause="Pengadaan langsung mendominasi; RUP diumumkan terlambat.",
        due_in_days=200,
        supporting=["BPKAD"],
        mcp_area=McpArea.PROCUREMENT,
        milestones=4,
        public_summary="Rencana umum pengadaan diumumkan tepat waktu; e-katalog lokal tayang.",
        reports=[(25, "accepted", ""), (50, "accepted", ""), (75, None, "")],
    ),
    DemoPlan(
        title="SPPD elektronik dan penertiban perjalanan dinas",
        output="Aplikasi SPPD elektronik",
        success_measure="Perjalanan dinas dipertanggungjawabkan secara elektronik",
        baseline="0",
        unit="persen",
        target="100",
        owner="BPKAD",
        indicators=["ANG"],
        recommendations=["R-05"],
        activity="Menerapkan SPPD elektronik dengan verifikasi bukti perjalanan.",
        finding="Perjalanan dinas fiktif dan honorarium ganda.",
        root_cause="Pertanggungjawaban perjalanan dinas manual tanpa verifikasi silang.",
        due_in_days=30,
        mcp_area=McpArea.BUDGETING,
        public_summary="Perjalanan dinas diajukan dan dipertanggungjawabkan secara elektronik.",
        reports=[(100, "accepted", "")],
    ),
    DemoPlan(
        title="Aplikasi presensi wajah seluruh puskesmas",
        owner="DINKES",
        indicators=["INT"],
        recommendations=[],
        activity="Pengadaan aplikasi presensi wajah.",
        finding="Kehadiran pegawai tidak tercatat.",
        root_cause="Presensi manual.",
        due_in_days=90,
        cancel=True,
    ),
    DemoPlan(
        title="Sosialisasi antikorupsi dan kanal pengaduan di sekolah",
        owner="DISDIK",
        indicators=["SOS"],
        recommendations=["R-04"],
        activity="Sosialisasi antikorupsi kepada kepala sekolah dan komite sekolah.",
        finding="Pungutan di sekolah dilaporkan responden eksternal.",
        root_cause="Komite dan orang tua tidak mengetahui aturan pungutan.",
        due_in_days=-20,
        group="external",
        mcp_area=McpArea.PUBLIC_SERVICE,
        # public although overdue: the Inspectorate publishes a plan for what it is, late included
        public_summary="Kepala sekolah dan komite sekolah mengenal aturan pungutan dan kanal "
        "pengaduan.",
    ),
    DemoPlan(
        title="Pengumuman rencana umum pengadaan tepat waktu di SiRUP",
        owner="PBJ",
        indicators=["PBJ"],
        recommendations=["R-02"],
        activity="Mengumumkan seluruh RUP perangkat daerah di SiRUP paling lambat Maret.",
        finding="KPK: paket pengadaan diumumkan terlambat (rapat koordinasi).",
        root_cause="Perangkat daerah menunggu DPA sebelum mengisi SiRUP.",
        target="100",
        due_in_days=200,
        milestones=2,
        status=PlanStatus.DRAFT,
        lifecycle="submitted",
    ),
    DemoPlan(
        title="Standar waktu layanan perizinan diumumkan di loket dan daring",
        owner="DPMPTSP",
        indicators=["TRN"],
        recommendations=[],
        activity="Mengumumkan standar waktu dan biaya layanan.",
        finding="Responden eksternal tidak mengetahui standar waktu layanan (rapat koordinasi).",
        root_cause="",
        target="100",
        due_in_days=150,
        milestones=1,
        status=PlanStatus.DRAFT,
        lifecycle="returned",
        return_note="Lengkapi akar masalah dan ukuran keberhasilan (berapa jenis izin).",
    ),
]


def sample_evidence_pdf(title: str) -> bytes:
    """A one-page PDF saying it is demo evidence (valid structure, correct xref offsets)."""
    text = f"Contoh bukti dukung (demo) - {title}".encode("latin-1", "replace")
    text = text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 50 780 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


DEMO_MAIL_DOMAIN = "demo.invalid"


def _opds() -> dict[str, OPD]:
    for code, name, short_name in OPDS:
        OPD.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short_name,
                "email": f"{code.lower()}@{DEMO_MAIL_DOMAIN}",
            },
        )
    return {opd.code: opd for opd in OPD.objects.filter(code__in=[c for c, _n, _s in OPDS])}


def _opd_users(opds, make_user) -> dict[str, object]:
    group = Group.objects.get(name="Kepala OPD")
    users = {}
    for username, code, role in OPD_USERS:
        make_user(username)
        user = get_user_model().objects.get(username=username)
        user.groups.add(group)
        OPDMembership.objects.get_or_create(user=user, defaults={"opd": opds[code], "role": role})
        users[code] = user
    return users


def _recommendations(survey_round) -> dict[str, Recommendation]:
    for code, text in RECOMMENDATIONS_2024:
        Recommendation.objects.get_or_create(round=survey_round, code=code, defaults={"text": text})
    return {r.code: r for r in Recommendation.objects.filter(round=survey_round)}


MILESTONE_TITLES = [
    "Tim dan SK ditetapkan",
    "Rancangan disusun dan dibahas",
    "Uji coba dan sosialisasi",
    "Evaluasi dan laporan akhir",
]


# The story's calendar: KPK published SPI 2024 in December 2024; the coordination meeting
# assigned the plans in January 2025 and they started in February; reports come in since then,
# the last of them in the past days. Due dates are counted from today, so that the demo always
# has plans due soon and one overdue.
PLANNED_AT = datetime(2025, 1, 20, 9, 30)
PLANS_START = date(2025, 2, 3)
CANCELLED_AT = datetime(2025, 6, 16, 10, 0)
LATE_ASSIGNMENT_AGO = timedelta(days=20)
REPORT_SPACING = timedelta(days=75)  # between two reports of one plan
LAST_REPORT_AGO = timedelta(days=6)  # the newest report of a plan: waiting, or just decided
DECIDED_AFTER = timedelta(days=3)
EVIDENCE_BEFORE_REPORT = timedelta(days=4)


class _StoryClock(datetime):
    moment = None

    @classmethod
    def now(cls, tz=None):
        return cls.moment.astimezone(tz) if tz else cls.moment


@contextmanager
def story_time(moment: datetime):
    """Write as if at `moment`: every timezone.now() (field defaults, auto_now_add, history
    rows, date checks) answers it, so that the demo's dates follow its story."""
    aware = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    clock = type("StoryClock", (_StoryClock,), {"moment": aware})
    with mock.patch("django.utils.timezone.datetime", clock):
        yield


def _create_plan(item, survey_round, opds, recommendations, inspector, today, earliest_start):
    due = today + timedelta(days=item.due_in_days)
    start = min(earliest_start, due - timedelta(days=90))
    fields = {
        "round": survey_round,
        "title": item.title,
        "finding": item.finding,
        "root_cause": item.root_cause,
        "activity": item.activity,
        "target": item.target,
        "output": item.output,
        "success_measure": item.success_measure,
        "baseline": item.baseline,
        "unit": item.unit,
        "respondent_group": item.group,
        "mcp_area": item.mcp_area,
        "start_date": start,
        "due_date": due,
        "owner_opd": opds[item.owner],
        "status": PlanStatus.DRAFT if item.status == PlanStatus.DRAFT else PlanStatus.ACTIVE,
        "public_summary": item.public_summary,
        "show_on_public_page": bool(item.public_summary),
        "indicators": list(survey_round.dimensions.filter(code__in=item.indicators)),
        "recommendations": [recommendations[code] for code in item.recommendations],
        "supporting_opds": [opds[code] for code in item.supporting],
    }
    plan = services.plan_create(actor=inspector, fields=fields)
    for quarter in range(1, item.milestones + 1):
        # due at the end of triwulan I, II, ... of the plan's first year; a step past the plan's
        # own due date is due with the plan
        in_time = dates.quarter_end(start.year, quarter) <= due
        services.milestone_create(
            actor=inspector,
            plan=plan,
            title=MILESTONE_TITLES[(quarter - 1) % len(MILESTONE_TITLES)],
            quarter=quarter if in_time else None,
            due_date=None if in_time else due,
        )
    return plan


def _report_times(count: int, now: datetime) -> list[datetime]:
    """When each of a plan's reports came in, oldest first, the last one LAST_REPORT_AGO."""
    last = now - LAST_REPORT_AGO
    return [last - REPORT_SPACING * (count - 1 - number) for number in range(count)]


def _play_reports(item, plan, reporter, inspector, now):
    milestones = list(plan.milestones.order_by("due_date"))
    times = _report_times(len(item.reports), now)
    for number, ((percent, outcome, note), submitted) in enumerate(
        zip(item.reports, times, strict=True)
    ):
        pdf = SimpleUploadedFile(
            f"bukti-dukung-{number + 1}.pdf", sample_evidence_pdf(item.title), "application/pdf"
        )
        with story_time(submitted):
            report = services.report_submit(
                actor=reporter,
                plan=plan,
                percent=percent,
                narrative=f"Capaian {percent}%: {item.activity}",
                files=[pdf],
                report_date=timezone.localdate(),
                milestone=milestones[number] if number < len(milestones) else None,
                effective_date=timezone.localdate() - EVIDENCE_BEFORE_REPORT,
            )
        with story_time(submitted + DECIDED_AFTER):
            if outcome == "accepted":
                services.report_accept(actor=inspector, report=report, note=note)
            elif outcome == "returned":
                services.report_return(actor=inspector, report=report, note=note)


def _play_plan(item, survey_round, opds, users, recommendations, inspector, now):
    today = timezone.localdate(now)
    # a plan still going through approval was assigned lately and starts with the next year
    planned_at, start = (
        (now - LATE_ASSIGNMENT_AGO, date(today.year + 1, 1, 4))
        if item.lifecycle
        else (PLANNED_AT, PLANS_START)
    )
    with story_time(planned_at):
        plan = _create_plan(item, survey_round, opds, recommendations, inspector, today, start)
    _play_reports(item, plan, users.get(item.owner), inspector, now)
    if item.cancel:
        with story_time(CANCELLED_AT):
            reason = "Digantikan oleh presensi daring provinsi."
            services.plan_cancel(actor=inspector, plan=plan, reason=reason)
    if item.lifecycle:
        with story_time(now - LAST_REPORT_AGO):
            owner = users[item.owner]
            plan = services.plan_submit(actor=owner, plan=plan, version=plan.version)
    if item.lifecycle == "returned":
        with story_time(now - LAST_REPORT_AGO + DECIDED_AFTER):
            services.plan_return(
                actor=inspector, plan=plan, version=plan.version, note=item.return_note
            )


def demo_action_plans(*, inspector, make_user) -> list[str]:
    """Create the demo OPDs, OPD users, recommendations and 2024 plans; returns the OPD
    users' usernames. `make_user(username)` creates a demo user with the demo password."""
    if not inspector.email:
        inspector.email = f"{inspector.username}@{DEMO_MAIL_DOMAIN}"
        inspector.save()
    opds = _opds()
    users = _opd_users(opds, make_user)
    survey_round = SurveyRound.objects.get(year=2024)
    recommendations = _recommendations(survey_round)
    now = timezone.now()
    # the story fills everyone's notification list; nobody is mailed about it
    with notifications.mails_held_back():
        for item in PLANS_2024:
            if ActionPlan.objects.filter(round=survey_round, title=item.title).exists():
                continue
            _play_plan(item, survey_round, opds, users, recommendations, inspector, now)

    return [username for username, _code, _role in OPD_USERS]
