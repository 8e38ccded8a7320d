"""Count the clicks of the end-to-end journey on a running demo portal.

public page -> weak point -> new plan -> report -> return -> revise -> accept -> public page,
played by the three people who do it (inspector, head of BKPSDM, the public), as one browser
that signs in and out between them. A click is any click, choice in a select or file chosen;
typing is not counted. Run against a freshly loaded demo (it writes):

    DEBUG=1 .venv/bin/python manage.py runserver 127.0.0.1:8110 --noreload &
    BASE=http://127.0.0.1:8110 .venv/bin/python bench/journey_clicks.py

It prints every click with the role switches marked, and the totals with and without signing
in and out. The same walk through the UI of commit cdf1073 (before issue 11) took 38 clicks,
15 of them signing in and out (23 in the pages); on the UI of issue 11 it takes 22, 11 of them
signing in and out (11 in the pages). Signing in and out is the same five sessions on both: one
browser plays three people, which real people on their own devices do not repeat.
"""

import os
import sys

from playwright.sync_api import sync_playwright

BASE = os.environ.get("BASE", "http://127.0.0.1:8110")
PASSWORD = "demo-spi-2024-bartim"
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
AUTH = ("sign in", "sign out", "login link")


class Walk:
    def __init__(self, page):
        self.page, self.clicks = page, []

    def click(self, selector, why):
        self.page.locator(selector).first.click()
        self.page.wait_for_load_state()
        self.clicks.append(why)

    def choose(self, selector, why, **option):
        self.page.locator(selector).first.select_option(**option)
        self.clicks.append(why)

    def attach(self, why):
        files = [{"name": "bukti.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        self.page.set_input_files("input[type=file]", files=files)
        self.clicks.append(why)

    def sign_in(self, username):
        if "/accounts/login/" not in self.page.url:
            self.click("a[href^='/accounts/login/']", "login link")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.click("main button[type=submit]", "sign in")

    def sign_out(self):
        self.click("nav form[action='/accounts/logout/'] button", "sign out")


def journey(walk):
    page = walk.page
    page.goto(BASE + "/")
    walk.sign_in("inspektur")  # lands on the work desk
    walk.click("a[href^='/plans/new/?round=2024&indicator=']", "desk: plan a weak point")
    page.fill("input[name=title]", "Rencana perjalanan uji")
    page.fill("textarea[name=finding]", "Temuan")
    page.fill("textarea[name=activity]", "Kegiatan")
    page.fill("input[name=target]", "100")
    page.fill("input[name=start_date]", "2025-02-03")
    page.fill("input[name=due_date]", "2027-06-30")
    page.fill("input[name=milestone_q1]", "SK tim disusun")  # a quarter's line: a milestone
    walk.choose("select[name=owner_opd]", "owner OPD", label="BKPSDM")
    walk.click("main form button[value=activate]", "save and activate")
    walk.sign_out()
    walk.sign_in("kepala_bkpsdm")  # lands on the OPD's cards
    card = "article:has-text('Rencana perjalanan uji')"
    walk.click(f"{card} a[href$='/report/']", "card: laporkan capaian")
    page.fill("input[name=percent]", "40")
    page.fill("textarea[name=narrative]", "Capaian pertama")
    walk.attach("choose evidence")
    walk.click("main form button[type=submit]", "send for verification")
    walk.sign_out()
    walk.sign_in("inspektur")
    walk.click("a:has-text('Rencana perjalanan uji')[href$='/verify/']", "desk: the waiting report")
    page.fill("textarea[name=note]", "Lampirkan SK")
    walk.click("button[value=returned]", "return")
    walk.sign_out()
    walk.sign_in("kepala_bkpsdm")
    page.fill(f"{card} form.card-revision input[name=percent]", "50")  # answered on the card
    walk.click(
        f"{card} form.card-revision button[type=submit]", "send the revision (evidence kept)"
    )
    walk.sign_out()
    walk.sign_in("inspektur")
    walk.click("a:has-text('Rencana perjalanan uji')[href$='/verify/']", "desk: the revision")
    walk.click("button[value=accepted]", "accept")
    walk.sign_out()
    page.goto(BASE + "/")  # the public page opens on the round being followed up (2024)
    assert "2024" in page.title(), page.title()


def main():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        walk = Walk(browser.new_context(locale="id-ID").new_page())
        try:
            journey(walk)
        finally:
            browser.close()
    for number, why in enumerate(walk.clicks, start=1):
        print(f"{number:3} {'  (auth)' if why in AUTH else ''} {why}")
    in_pages = [why for why in walk.clicks if why not in AUTH]
    print(f"total {len(walk.clicks)} clicks; {len(in_pages)} without signing in and out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
