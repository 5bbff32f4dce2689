"""End to end: the real server (``yusuan serve``) driven by headless Chromium through Playwright.

Sign-in, upload of a new version, the htmx table tabs and drill-down, the PDF download, the audit
of the seed and a refused upload, as a browser does them. Skipped without Chromium or Playwright.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import revised_example
from yusuan.web.local_server import CHROMIUM, CHROMIUM_ARGS, ServerFailed, local_server

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_XLSX = ROOT / "examples" / "jiefang-hrss-2025" / "budget.xlsx"
SEED = ROOT.parent / "shared" / "seeds" / "000_b36b569784039dee.txt"
PASSWORD = "e2e-Admin-password-1"
DEPARTMENT, DEPARTMENT_NAME, YEAR = "503", "焦作市解放区人力资源和社会保障局", 2025

if not CHROMIUM.exists():
    pytest.skip(f"Chromium not found at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")
expect = sync_api.expect
expect.set_options(timeout=15_000)


# ---------------------------------------------------------------- the server and the browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``yusuan serve`` on a fresh database (admin account and example department 503 created)."""
    try:
        with local_server(tmp_path_factory.mktemp("e2e"), PASSWORD) as running:
            yield running.base
    except ServerFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def sign_in(page: sync_api.Page) -> None:
    """Fill in the login form the page is on; it returns to where the visitor was going."""
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.fixture(scope="module")
def admin(browser: sync_api.Browser, server: str) -> Iterator[sync_api.Page]:
    """A page signed in as admin through the login form."""
    context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/login")
    sign_in(page)
    page.wait_for_url(re.compile(r"/departments$"))
    expect(page.get_by_role("link", name=DEPARTMENT_NAME)).to_be_visible()
    yield page
    context.close()


# ---------------------------------------------------------------- what the page should show, from the ledger


@pytest.fixture(scope="module")
def table05():
    from yusuan.ledger import read_budget
    from yusuan.tables import build_tables

    tables = build_tables(read_budget(EXAMPLE_XLSX))
    return next(t for t in tables.tables if t.number == "预算05表")


def _latest_version(page: sync_api.Page) -> int:
    page.goto(f"/departments/{DEPARTMENT}/{YEAR}")
    found = re.search(r"共(\d+)版", page.locator("p.meta-line").inner_text())
    assert found, page.locator("p.meta-line").inner_text()
    return int(found.group(1))


# ---------------------------------------------------------------- the tests


def test_anonymous_visit_lands_on_login_then_returns(browser: sync_api.Browser, server: str) -> None:
    context = browser.new_context(base_url=server)
    try:
        page = context.new_page()
        page.goto("/departments")
        assert "/login" in page.url
        expect(page).to_have_title(re.compile("登录"))
        sign_in(page)
        page.wait_for_url(re.compile(r"/departments$"))
        expect(page.locator("table.grid")).to_contain_text(DEPARTMENT_NAME)
    finally:
        context.close()


def test_upload_creates_a_new_version(admin: sync_api.Page) -> None:
    before = _latest_version(admin)
    admin.get_by_role("link", name="上传预算").click()
    admin.wait_for_url(re.compile(r"/upload$"))
    revision = revised_example("端到端")  # an identical file would store no new version
    admin.set_input_files(
        "input[name=file]", {"name": "budget.xlsx", "mimeType": "application/octet-stream", "buffer": revision}
    )
    admin.get_by_role("button", name="上传并保存").click()
    admin.wait_for_url(re.compile(rf"/departments/{DEPARTMENT}/{YEAR}\?v=\d+$"))
    expect(admin.get_by_role("heading", level=1)).to_contain_text(DEPARTMENT_NAME)
    expect(admin.locator("p.meta-line")).to_contain_text(f"第{before + 1}版")
    assert before == 1  # the example loaded on the empty database
    expect(admin.locator("p.meta-line")).to_contain_text("第2版")


def test_table_tab_swaps_the_panel(admin: sync_api.Page, table05) -> None:
    from yusuan.money import format_amount

    total = next(r for r in table05.rows if r.kind == "total")
    wages = format_amount(total.amount("basic.personnel.wages"))  # 工资福利支出 of the whole department
    admin.goto(f"/departments/{DEPARTMENT}/{YEAR}")
    panel = admin.locator("#table-panel")
    expect(panel).to_contain_text("部门收支预算表")
    assert wages not in panel.inner_text()
    admin.evaluate("window.__notReloaded = true")
    with admin.expect_response(re.compile(r"/tables/")) as response:
        admin.get_by_role("link", name="预算05表", exact=True).click()
    assert response.value.request.headers.get("hx-request") == "true"
    expect(panel.get_by_role("heading", level=2)).to_contain_text("一般公共预算支出预算表")
    expect(panel).to_contain_text(wages)
    expect(admin).to_have_url(re.compile(r"t=%E9%A2%84%E7%AE%9705%E8%A1%A8|t=预算05表"))  # hx-push-url
    assert admin.evaluate("window.__notReloaded === true"), "the tab reloaded the page instead of swapping the panel"
    # the tab row is swapped with the panel: the chosen table is the highlighted one
    expect(admin.locator("#table-tabs a.current")).to_have_text("预算05表")


def test_drill_down_unit_then_class(admin: sync_api.Page, table05) -> None:
    from yusuan.catalog import load_catalog
    from yusuan.tables.drilldown import drilldown

    unit = drilldown(table05, load_catalog())[0]
    cls = unit.children[0]
    admin.goto(f"/departments/{DEPARTMENT}/{YEAR}?t=预算05表")
    panel = admin.locator("#table-panel")
    panel.get_by_role("link", name=re.compile("逐级展开")).click()
    expect(panel.get_by_role("heading", level=2)).to_contain_text("逐级展开")
    expect(panel.locator("tr.level-1")).to_have_count(0)

    panel.locator("a.toggle", has_text=f"{unit.code} {unit.name}").click()
    class_toggle = panel.locator("tr.level-1 a.toggle", has_text=f"{cls.code} {cls.name}")
    expect(class_toggle).to_have_attribute("aria-expanded", "false")
    expect(panel.locator("tr.level-0 a.toggle", has_text=unit.code)).to_have_attribute("aria-expanded", "true")
    expect(panel.locator("tr.level-2")).to_have_count(0)

    class_toggle.click()
    expect(panel.locator("tr.level-1 a.toggle", has_text=f"{cls.code} {cls.name}")).to_have_attribute(
        "aria-expanded", "true"
    )
    kuan = panel.locator("tr.level-2")
    expect(kuan).to_have_count(len(cls.children))
    for i, child in enumerate(cls.children):
        expect(kuan.nth(i)).to_contain_text(f"{child.code} {child.name}")


def test_drill_down_survives_a_reload_and_nothing_breaks_the_content_security_policy(
    admin: sync_api.Page, table05
) -> None:
    from yusuan.catalog import load_catalog
    from yusuan.tables.drilldown import drilldown

    violations: list[str] = []
    admin.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    unit = drilldown(table05, load_catalog())[0]
    cls = unit.children[0]
    admin.goto(f"/departments/{DEPARTMENT}/{YEAR}?t=预算05表")
    panel = admin.locator("#table-panel")
    panel.get_by_role("link", name=re.compile("逐级展开")).click()
    panel.locator("a.toggle", has_text=f"{unit.code} {unit.name}").click()
    panel.locator("tr.level-1 a.toggle", has_text=f"{cls.code} {cls.name}").click()
    expect(panel.locator("tr.level-2")).to_have_count(len(cls.children))
    expect(admin).to_have_url(re.compile(r"view=drill.*open="))  # the opened rows are in the address
    admin.reload()
    expect(admin.locator("#table-panel tr.level-2")).to_have_count(len(cls.children))
    indent = admin.locator("#table-panel tr.level-2 td.text").first.evaluate("e => getComputedStyle(e).paddingLeft")
    assert float(indent.removesuffix("px")) > 20  # indented by the stylesheet, not an inline style
    admin.go_back()
    expect(admin.locator("#table-panel tr.level-2")).to_have_count(0)
    expect(admin.locator("#table-panel tr.level-1")).not_to_have_count(0)
    assert not violations, violations


def test_download_pdf(admin: sync_api.Page) -> None:
    admin.goto(f"/departments/{DEPARTMENT}/{YEAR}")
    with admin.expect_download(timeout=60_000) as download:
        admin.get_by_role("link", name="下载 PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 20_000


def test_audit_the_seed(admin: sync_api.Page) -> None:
    if not SEED.exists():
        pytest.skip(f"../shared is absent: {SEED} not found")
    admin.goto("/audits")
    admin.set_input_files("input[name=files]", str(SEED))
    admin.get_by_role("button", name="开始审核").click()
    admin.wait_for_url(re.compile(r"/audits/\d+$"), timeout=60_000)
    errors = int(admin.locator(".figure.sev-error strong").inner_text())
    assert errors > 0
    findings = admin.locator("ol.findings")
    expect(findings.locator("li.sev-error").first).to_be_visible()
    expect(findings).to_contain_text("cross.table_agreement")
    expect(findings).to_contain_text("预算04表")


def test_corrupt_workbook_is_refused(admin: sync_api.Page) -> None:
    before = _latest_version(admin)
    admin.goto("/upload")
    admin.set_input_files(
        "input[name=file]",
        {"name": "broken.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04 not a workbook"},
    )
    admin.get_by_role("button", name="上传并保存").click()
    alert = admin.get_by_role("alert")
    expect(alert).to_contain_text("broken.xlsx")
    expect(alert).to_contain_text("未保存")
    expect(alert).to_contain_text("不是有效的 Excel 工作簿")
    assert admin.url.endswith("/upload")
    assert _latest_version(admin) == before
