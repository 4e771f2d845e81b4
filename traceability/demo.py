"""``flask demo load``: realistic demo data, loaded once (running it again changes nothing).

A Sóc Trăng shallot cooperative, a Sóc Trăng ST25 rice company and a Long An dragon-fruit
farm, with their locations, products, batches and certificates, plus an administrator and an
inspector to sign in with.
"""

import os
from datetime import date, datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import gs1
from .accounts import services as accounts
from .extensions import db
from .registry import services as registry
from .registry.models import Organization

DEMO_PASSWORD_ENV = "DEMO_PASSWORD"
DEFAULT_DEMO_PASSWORD = "demo-password-2026"


def _with_check_digit(body: str) -> str:
    return body + str(gs1.check_digit(body))


ORGANIZATIONS = [
    {
        "name": "Hợp tác xã Nông nghiệp Vĩnh Châu", "tax_code": "2200345678",
        "kind": "cooperative", "province": "Sóc Trăng",
        "address": "Khóm Vĩnh Bình, phường Vĩnh Phước, thị xã Vĩnh Châu, Sóc Trăng",
        "gs1_company_prefixes": ["8936012"], "gln_body": "893601200000",
        "contact_email": "htx.vinhchau@example.vn", "phone": "0299 3861 234",
        "user": "vinhchau@demo.vn",
        "locations": [
            ("Vùng trồng hành tím Vĩnh Hiệp", "growing_area", "893601200001", 9.3412, 105.9902),
            ("Nhà sơ chế HTX Vĩnh Châu", "packing_house", "893601200002", 9.3268, 105.9801),
        ],
        "products": [
            {"item": "00011", "name": "Hành tím Vĩnh Châu", "name_en": "Vinh Chau shallots",
             "brand": "Hành tím Vĩnh Châu", "net_content": "500", "unit": "g",
             "sector": "fresh_produce", "shelf_life_days": 120, "origin": "Sóc Trăng, Việt Nam",
             "standards": ["TCVN 11041-2:2017", "VietGAP"],
             "image_urls": ["https://images.example.vn/hanh-tim-vinh-chau.jpg"],
             "storage_instructions": "Bảo quản nơi khô ráo, thoáng mát."},
        ],
        "batches": [("00011", "VC2026-03A", date(2026, 3, 12), "2400", "kg", 0),
                    ("00011", "VC2026-04B", date(2026, 4, 2), "1850", "kg", 0)],
        "certificates": [
            {"type": "vietgap", "number": "VietGAP-TT-18-03-94-0012",
             "issuer": "Trung tâm Chứng nhận Phù hợp (QUACERT)", "valid_from": date(2024, 5, 20),
             "valid_until": date(2027, 5, 20), "scope_type": "location", "location": 0,
             "scope_description": "Hành tím, 42 ha"},
            {"type": "ocop", "number": "OCOP-ST-2023-041", "issuer": "UBND tỉnh Sóc Trăng",
             "valid_from": date(2023, 9, 1), "valid_until": date(2026, 9, 1),
             "scope_type": "product", "product": "00011", "star_rating": 4},
        ],
    },
    {
        "name": "Công ty TNHH Gạo ST25 Mỹ Xuyên", "tax_code": "2200456789",
        "kind": "enterprise", "province": "Sóc Trăng",
        "address": "Ấp Phú Thành, xã Phú Mỹ, huyện Mỹ Xuyên, Sóc Trăng",
        "gs1_company_prefixes": ["8936034"], "gln_body": "893603400000",
        "contact_email": "info@gaost25.example.vn", "phone": "0299 3852 777",
        "user": "st25@demo.vn",
        "locations": [
            ("Cánh đồng lúa tôm Phú Mỹ", "growing_area", "893603400001", 9.5321, 105.8712),
            ("Nhà máy xay xát Mỹ Xuyên", "factory", "893603400002", 9.5567, 105.9834),
        ],
        "products": [
            {"item": "00025", "name": "Gạo ST25 thơm đặc sản", "name_en": "ST25 fragrant rice",
             "brand": "ST25 Mỹ Xuyên", "net_content": "5", "unit": "kg", "sector": "rice",
             "shelf_life_days": 365, "origin": "Sóc Trăng, Việt Nam",
             "standards": ["TCVN 11888:2017", "QCVN 8-2:2011/BYT"],
             "image_urls": ["https://images.example.vn/gao-st25.jpg"]},
        ],
        "batches": [("00025", "ST25-2603-01", date(2026, 3, 20), "12000", "kg", 1)],
        "certificates": [
            {"type": "organic", "number": "ORG-VN-2025-1187", "issuer": "Control Union Vietnam",
             "valid_from": date(2025, 2, 1), "valid_until": date(2027, 2, 1),
             "scope_type": "organization"},
            {"type": "haccp", "number": "HACCP-2021-0456", "issuer": "Vinacert",
             "valid_from": date(2021, 6, 1), "valid_until": date(2024, 6, 1),
             "scope_type": "location", "location": 1},
        ],
    },
    {
        "name": "Trang trại Thanh long Châu Thành", "tax_code": "1100987654",
        "kind": "household", "province": "Long An",
        "address": "Ấp Phước Tân Hưng, xã Phước Tân Hưng, huyện Châu Thành, Long An",
        "gs1_company_prefixes": ["8936078"], "gln_body": "893607800000",
        "contact_email": "thanhlong.chauthanh@example.vn", "phone": "0272 3875 111",
        "user": "thanhlong@demo.vn",
        "locations": [
            ("Vườn thanh long ruột đỏ", "farm", "893607800001", 10.5234, 106.5101),
        ],
        "products": [
            {"item": "00101", "name": "Thanh long ruột đỏ Long An",
             "name_en": "Long An red-flesh dragon fruit", "brand": "Thanh long Châu Thành",
             "net_content": "1", "unit": "kg", "sector": "fresh_produce", "shelf_life_days": 21,
             "origin": "Long An, Việt Nam", "standards": ["TCVN 11830:2017", "GlobalG.A.P."],
             "image_urls": ["https://images.example.vn/thanh-long.jpg"]},
        ],
        "batches": [("00101", "TL-2026-W14", date(2026, 4, 1), "3500", "kg", 0)],
        "certificates": [
            {"type": "globalgap", "number": "GGN-4063061234567", "issuer": "Bureau Veritas",
             "valid_from": date(2025, 8, 15), "valid_until": date(2026, 8, 15),
             "scope_type": "location", "location": 0},
        ],
    },
]


# Recorded stages per lot: (sector template, stage, local time, location index, fields).
STAGES = {
    "VC2026-03A": [
        ("fresh_produce", "planting", "2025-12-20T07:00", 0,
         {"crop_variety": "Hành tím Vĩnh Châu", "seed_source": "Củ giống HTX tự để",
          "area_hectares": 12}),
        ("fresh_produce", "fertilizing", "2026-01-15T06:30", 0,
         {"fertilizer_name": "Phân hữu cơ vi sinh Sông Gianh", "amount_applied": "800 kg"}),
        ("fresh_produce", "spraying", "2026-02-01T06:00", 0,
         {"product_name": "Bacillus thuringiensis (Xentari 35WDG)", "target_pest": "Sâu xanh",
          "withdrawal_period_days": 7}),
        ("fresh_produce", "harvesting", "2026-03-10T08:30", 0, {"quantity": 2400, "uom": "KGM"}),
        ("fresh_produce", "packing", "2026-03-11T15:00", 1,
         {"quantity": 2400, "uom": "KGM", "packaging_type": "Túi lưới 500 g",
          "package_count": 4800}),
    ],
    "ST25-2603-01": [
        ("rice", "sowing", "2025-11-05T06:00", 0,
         {"crop_variety": "ST25", "seed_source": "Giống xác nhận DNTN Hồ Quang Trí",
          "area_hectares": 30}),
        ("rice", "fertilizing", "2025-12-10T06:00", 0, {"fertilizer_name": "Phân hữu cơ"}),
        ("rice", "harvesting", "2026-03-01T07:00", 0,
         {"quantity": 15000, "uom": "KGM", "moisture_percent": 22}),
        ("rice", "drying", "2026-03-05T09:00", 1, {"moisture_percent": 14,
                                                   "drying_method": "dryer"}),
        ("rice", "packing", "2026-03-20T14:00", 1,
         {"quantity": 12000, "uom": "KGM", "packaging_type": "Túi 5 kg", "package_count": 2400}),
    ],
    "TL-2026-W14": [
        ("fresh_produce", "fertilizing", "2026-02-20T06:00", 0,
         {"fertilizer_name": "Phân chuồng ủ hoai"}),
        ("fresh_produce", "harvesting", "2026-04-01T05:30", 0, {"quantity": 3500, "uom": "KGM"}),
        ("fresh_produce", "packing", "2026-04-01T13:00", 0,
         {"quantity": 3500, "uom": "KGM", "packaging_type": "Thùng carton 10 kg",
          "package_count": 350}),
    ],
}


# The story above happens in spring 2026; when loaded, it is moved so that the newest batch
# was made a few days ago, whatever today is (a demo should not show every batch expired).
STORY_NEWEST_PRODUCTION = date(2026, 4, 2)


def story_shift(today: date | None = None) -> timedelta:
    return ((today or date.today()) - timedelta(days=5)) - STORY_NEWEST_PRODUCTION


def _record_stages(owner, batch, locations, shift: timedelta) -> None:
    from .events import stages

    for template, stage, when, location_index, fields in STAGES.get(batch.lot, []):
        moment = datetime.fromisoformat(when) + shift
        stages.record_stage(owner, batch, template, stage, {
            "event_time": moment.isoformat(timespec="minutes") + ":00+07:00",
            "location_id": locations[location_index].id, "fields": fields})


def demo_loaded() -> bool:
    first = ORGANIZATIONS[0]["tax_code"]
    return db.session.scalar(select(Organization.id).where(Organization.tax_code == first)) \
        is not None


def load_demo(password: str) -> list[str]:
    """Create the demo records in one transaction; returns the sign-in lines to print."""
    admin = accounts.create_user("admin@demo.vn", "admin", name="Quản trị Sở KH&CN",
                                 password=password)
    accounts.create_user("inspector@demo.vn", "inspector", name="Thanh tra Chi cục TCĐLCL",
                         password=password)
    db.session.flush()
    lines = ["admin@demo.vn (admin)", "inspector@demo.vn (inspector)"]
    shift = story_shift()
    for spec in ORGANIZATIONS:
        organization, _ = registry.create_organization(admin, {
            **{k: spec[k] for k in ("name", "tax_code", "kind", "province", "address",
                                    "gs1_company_prefixes", "contact_email", "phone")},
            "gln": _with_check_digit(spec["gln_body"]),
        })
        owner = accounts.create_user(spec["user"], "business", organization_id=organization.id,
                                     name=spec["name"], password=password, actor=admin)
        lines.append(f"{spec['user']} (business: {spec['name']})")
        locations = [
            registry.create_location(owner, {
                "name": name, "type": kind, "gln": _with_check_digit(body),
                "address": spec["address"], "province": spec["province"],
                "latitude": lat, "longitude": lon})
            for name, kind, body, lat, lon in spec["locations"]
        ]
        prefix = spec["gs1_company_prefixes"][0]
        products = {}
        for item in spec["products"]:
            fields = {k: v for k, v in item.items() if k != "item"}
            gtin = _with_check_digit(prefix + item["item"])
            products[item["item"]] = registry.create_product(owner, {**fields, "gtin": gtin})
        for item, lot, produced, quantity, unit, location_index in spec["batches"]:
            batch = registry.create_batch(owner, {
                "product_id": products[item].id, "lot": lot,
                "production_date": produced + shift,
                "quantity": quantity, "unit": unit,
                "location_id": locations[location_index].id})
            _record_stages(owner, batch, locations, shift)
        for cert in spec["certificates"]:
            data = {k: v for k, v in cert.items() if k not in {"location", "product"}}
            data["valid_from"] = cert["valid_from"] + shift
            if cert.get("valid_until"):
                data["valid_until"] = cert["valid_until"] + shift
            if "location" in cert:
                data["location_id"] = locations[cert["location"]].id
            if "product" in cert:
                data["product_id"] = products[cert["product"]].id
            registry.create_certificate(owner, data)
    return lines


@click.group("demo", help="Demo data.")
def cli():
    pass


@cli.command("load")
@with_appcontext
def load_command():
    """Load the demo organizations, products, batches and accounts (once)."""
    if demo_loaded():
        click.echo("Demo data already loaded; nothing to do.")
        return
    password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)
    lines = load_demo(password)
    db.session.commit()
    click.echo("Demo data loaded. Sign in at /login with any of these (password: "
               f"{'$' + DEMO_PASSWORD_ENV if DEMO_PASSWORD_ENV in os.environ else password}):")
    for line in lines:
        click.echo(f"  {line}")


