"""The store's catalogue on the deployed shape (docs/catalogue.md): the scheduler reads the
storefront's products.json on its first minute (the store has none yet), a CSV upload replaces
it through the ingest function, `POST …/catalogue/refresh` reads the shop again, and a shopper's
question to the replies function is answered from it with a ready cart link."""

import json
import time
from urllib.parse import urlencode

from fakes import twilio_signature


def check_catalogue(check, wait_for, http, api, twilio, shop, store, api_key, twilio_sid, twilio_token):
    auth = {"authorization": f"Bearer {api_key}"}

    def catalogue():
        st, _, body = http("GET", f"/v1/stores/{store}/catalogue", headers=auth)
        return json.loads(body) if st == 200 else None

    first = wait_for("the scheduler read the storefront's products.json into the catalogue", 60,
                     lambda: (c := catalogue()) and c.get("source") == "shopify_products_json" and c)
    check(first["products"] == 12 and first["variants"] == 43 and first["variants_available"] == 31,
          f"12 products, 43 variants, 31 available: {first}")
    pages = shop.seen[:3]
    check(pages == ["limit=250", "limit=250&page_info=p2", "limit=250&page_info=p3"] and not shop.problems,
          f"three pages, each through the Link header's next URL: {shop.seen} {shop.problems}")

    csv = ("handle,title,variant_id,sku,price,available\n"
           "mug,Stoneware Mug,901,MUG-B,12.50,true\n").encode()
    st, _, body = http("PUT", f"/v1/stores/{store}/catalogue", csv, {**auth, "content-type": "text/csv"})
    check(st == 200 and json.loads(body).get("source") == "feed_csv", f"PUT a CSV feed → {st} {body[:120]!r}")
    st, _, body = http("PUT", f"/v1/stores/{store}/catalogue", b"handle,title\nx,y\n", {**auth, "content-type": "text/csv"})
    check(st == 400 and b"invalid_feed" in body and catalogue().get("source") == "feed_csv",
          f"a feed without prices → {st}, the stored catalogue unchanged")
    before = len(shop.seen)
    st, _, body = http("POST", f"/v1/stores/{store}/catalogue/refresh", headers=auth)
    check(st == 200 and json.loads(body).get("products") == 12 and len(shop.seen) == before + 3,
          f"POST …/catalogue/refresh read the shop again → {st} ({len(shop.seen) - before} pages)")

    # A shopper with the navy M in her cart asks for the grey one.
    phone = "+905321234568"
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    event = {"event_id": "cat-1", "type": "cart.updated", "occurred_at": now, "cart_id": "c-cat-1",
             "customer": {"first_name": "Nora", "phone": phone, "locale": "en-GB",
                          "consent": {"sms": True, "email": False, "whatsapp": False}},
             "cart": {"currency": "USD", "checkout_url": "https://shop.example/checkouts/cat",
                      "items": [{"sku": "MW-SWT-M-NAV", "name": "Merino Crew Sweater", "quantity": 1,
                                 "unit_price": "89.00"}]}}
    st, _, body = http("POST", "/v1/events", event, auth)
    check(st == 202, f"her cart → {st}")
    wait_for("her first SMS went out", 60, lambda: any(m.get("To") == phone for m in twilio.sent))
    url = f"{api.url}/v1/replies/twilio/{store}"
    form = {"MessageSid": "SMcat0001", "AccountSid": twilio_sid, "From": phone, "To": "+15005550006",
            "Body": "do you have it in grey?", "NumMedia": "0"}
    st, _, body = http("POST", f"/v1/replies/twilio/{store}", urlencode(form).encode(),
                       {"content-type": "application/x-www-form-urlencoded",
                        "x-twilio-signature": twilio_signature(twilio_token, url, form)})
    text = body.decode(errors="replace")
    check(st == 200 and "Merino Crew Sweater (M / Grey) is in stock (89.00 USD)" in text
          and f"{shop.url}/cart/45101000000105:1" in text,
          f"her question answered from the catalogue with the ready cart: {text[:300]!r}")
