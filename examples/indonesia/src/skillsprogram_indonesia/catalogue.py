"""A demo catalogue shaped like Kartu Prakerja's: digital platforms, accredited providers."""

from __future__ import annotations

import random

from skillsprogram.plugin import CourseSpec

PLATFORMS = [
    ("tokopedia", "Tokopedia"),
    ("bukalapak", "Bukalapak"),
    ("skillacademy", "Skill Academy"),
    ("pijarmahir", "Pijar Mahir"),
    ("sekolahmu", "Sekolahmu"),
    ("pintaria", "Pintaria"),
    ("kemnaker", "Karier.mu / Kemnaker"),
]

PROVIDERS = [
    "Lembaga Pelatihan Kerja Maju Bersama",
    "Akademi Digital Nusantara",
    "Balai Latihan Kerja Bandung",
    "LPK Tata Busana Sejahtera",
    "Sekolah Kopi Indonesia",
    "Dapur Nusantara Culinary School",
    "English for Hospitality Center",
    "Bengkel Las Mandiri",
    "Kursus Mengemudi Aman",
    "Agro Tani Academy",
    "Rumah Desain Grafis",
    "Excel Pro Indonesia",
    "LPK Kecantikan Ayu",
    "Pusat Pelatihan Wirausaha",
    "Akademi Pemasaran Digital",
    "Teknisi AC Terampil",
    "Kelas Fotografi Produk",
    "Barista Nusantara",
    "Sekolah Menjahit Kartini",
    "Pelatihan Listrik Dasar",
]

COURSES = [
    ("digital_marketing", "Pemasaran Digital untuk UMKM"),
    ("digital_marketing", "Iklan Media Sosial"),
    ("tailoring", "Menjahit Busana Dasar"),
    ("culinary", "Usaha Katering Rumahan"),
    ("barista", "Barista Profesional"),
    ("hospitality", "English for Hotel Staff"),
    ("welding", "Juru Las SMAW"),
    ("office", "Microsoft Excel untuk Administrasi"),
    ("design", "Desain Grafis dengan Canva"),
    ("driving", "Mengemudi Kendaraan Niaga"),
    ("agriculture", "Budidaya Hidroponik"),
    ("beauty", "Tata Rias Pengantin"),
    ("entrepreneurship", "Memulai Usaha Kecil"),
    ("electrical", "Instalasi Listrik Rumah"),
    ("hvac", "Servis AC Rumah Tangga"),
    ("photography", "Fotografi Produk Jualan Online"),
    ("programming", "Dasar Pemrograman Web"),
    ("customer_service", "Layanan Pelanggan Call Center"),
    ("accounting", "Pembukuan Sederhana UMKM"),
    ("logistics", "Manajemen Gudang"),
]


def demo_catalogue(seed: int = 2023) -> list[CourseSpec]:
    """About 80 courses: each title from several providers, on several platforms, in all modes."""
    rng = random.Random(seed)
    courses = []
    for index in range(80):
        field, title = COURSES[index % len(COURSES)]
        provider = PROVIDERS[rng.randrange(len(PROVIDERS))]
        platform_code, platform_name = PLATFORMS[rng.randrange(len(PLATFORMS))]
        mode = rng.choices(["online", "offline", "hybrid"], weights=[70, 20, 10])[0]
        price = rng.randrange(150_000, 1_500_001, 25_000)
        courses.append(
            CourseSpec(
                code=f"PK-{index + 1:04d}",
                title=title,
                field_of_study=field,
                mode=mode,
                price=price,
                duration_days=rng.choice([7, 14, 21, 30]),
                provider_code="lpk-" + provider.lower().replace(" ", "-").replace("/", "")[:40],
                provider_name=provider,
                platform_code=platform_code,
                platform_name=platform_name,
            )
        )
    return courses
