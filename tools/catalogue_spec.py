"""The editorial part of the catalogue seed: which entries to take and how to group them.

Everything here is a *choice* (which ATC codes, which list entries, which class), never a fact typed from
memory: every name, code, date and status that ends up in ``data/`` is read from ``../shared/data`` by
``tools/seed_catalogue.py``, and ``tests/kb/test_seed_catalogue.py`` re-reads the sources to prove it.
"""

from __future__ import annotations

from typing import Any

ATC_EXTRACT = "atc/atc_immunomodulator_extract.csv"
ATC_FULL = "atc/who_atc_ddd_2026-04-25.csv"
EMA_FULL = "regulatory/ema_epar_human_2022-11-17_no_indication_text.csv"
FLAT = "unproven_lists/fuflomycin_rsp_fk_flat.csv"
RSP_JSON = "unproven_lists/fuflomycin_rsp.json"
HOMEO_JSON = "unproven_lists/fuflomycin_homeopathy.json"

#: ATC groups whose level-5 substances are all seeded (from the immunomodulator extract)
ATC_ALL_OF = ("L03", "L04")
#: further level-5 codes the seeded questions and the lists need (from the full WHO file)
ATC_EXTRA = (
    "P01BA01", "P01BA02", "L01FA01", "H02AB02", "H02AB04", "H02AB06", "H02AB07", "H02AB09",
    "J05AX05", "J05AX13", "J05AX17", "J05AX19", "J05AX21", "J05AX32", "D11AH05", "L01EJ01",
)  # fmt: skip
#: substances that span several ATC codes: id -> (name, codes); the name is an ATC group/substance
#: name or an EMA INN fragment (the test checks it appears in one of those sources)
ATC_MERGED: dict[str, tuple[str, tuple[str, ...]]] = {
    "bcg-vaccine": ("BCG vaccine", ("L03AX03", "J07AN01")),
    "zinc": ("zinc", ("A12CB01", "A12CB02", "A12CB03", "A12CB04")),
    "herpes-zoster-vaccine": ("herpes zoster vaccine", ("J07BK02", "J07BK03")),
    "rsv-vaccine": ("respiratory syncytial virus vaccines", ("J07BX05",)),
    "influenza-vaccine": (
        "influenza vaccine",
        ("J07BB01", "J07BB02", "J07BB03", "J07BB04", "J07BB05"),
    ),
    "cholera-vaccine": ("cholera vaccine", ("J07AE01", "J07AE02")),
    "ruxolitinib": ("ruxolitinib", ("L01EJ01", "D11AH09")),
}

#: classes for products with no ATC code: id -> (name, description, source file)
NO_ATC_CLASSES: dict[str, tuple[str, str, str]] = {
    "interferon-inducers": (
        "Interferon inducers (as marketed)",
        "Products marketed as inducers of endogenous interferon; no ATC group exists for them.",
        "atc/README.md",
    ),
    "bacterial-lysates": (
        "Bacterial lysates",
        "Oral or sublingual lysates/extracts of bacteria (OM-85, OM-89, IRS-19, Ribomunyl, …); national "
        "ATC assignments vary and are not in the WHO file.",
        "atc/README.md",
    ),
    "release-active-antibodies": (
        "Ultra-diluted 'release-active' antibody products",
        "Ultra-dilutions of antibodies (Anaferon, Ergoferon, Tenoten); the source list files them "
        "under homeopathy.",
        "unproven_lists/README.md",
    ),
    "homeopathic-products": (
        "Homeopathic products",
        "Homeopathic products registered in Russia/Belarus.",
        "unproven_lists/README.md",
    ),
    "thymic-and-other-peptides": (
        "Thymic and other peptides",
        "Thymus extracts and short synthetic peptides marketed as immunomodulators.",
        "unproven_lists/README.md",
    ),
    "herbal-immunostimulants": (
        "Herbal immunostimulants",
        "Plant preparations marketed to stimulate immunity (echinacea, …).",
        "unproven_lists/README.md",
    ),
    "other-immunomodulators-no-atc": (
        "Other immunomodulators without an ATC code",
        "Marketed immunomodulators that fit no other group and have no WHO ATC code.",
        "unproven_lists/README.md",
    ),
    "antivirals-no-atc": (
        "Antivirals without an ATC code",
        "Products marketed as antivirals that have no WHO ATC code.",
        "unproven_lists/README.md",
    ),
}

# List entries -> substances.  ``key`` is the flat CSV ``id``; ``atc`` links the entry to an ATC substance
# whose name equals the entry's INN or one of its names (checked by the test); ``names`` restricts the
# names taken when one entry lumps several products; ``name`` is the display name (one of the entry's
# names, or its INN).  Classes for entries without an ATC code are an editorial grouping.
LIST_SUBSTANCES: list[dict[str, Any]] = [
    {"key": "arbidol", "atc": "J05AX13"},
    {"key": "amiksin", "atc": "J05AX19", "extra_classes": ("interferon-inducers",)},
    {"key": "amizon", "atc": "J05AX17"},
    {"key": "ingavirin", "atc": "J05AX21"},
    {"key": "inosine", "atc": "J05AX05"},
    {"key": "imunorix", "atc": "L03AX05"},
    {"key": "kagocel", "id": "kagocel", "name": "Kagocel", "classes": ("interferon-inducers",)},
    {
        "key": "cycloferon",
        "id": "meglumine-acridonacetate",
        "name": "Meglumine acridonacetate",
        "classes": ("interferon-inducers",),
    },
    {
        "key": "akridon",
        "id": "acridone",
        "name": "acridone",
        "classes": ("interferon-inducers",),
        "names": ("акридонуксусная кислота", "acridone"),
    },
    {
        "key": "neovir",
        "id": "oxodihydroacridinylacetate-sodium",
        "name": "Oxodihydroacridinylacetate sodium",
        "classes": ("interferon-inducers",),
    },
    {
        "key": "ridostin",
        "id": "ribonucleate-sodium",
        "name": "Ribonucleate sodium",
        "classes": ("interferon-inducers",),
    },
    {
        "key": "poludanum",
        "id": "polyadenylic-polyuridylic-acid",
        "name": "Polyadenylic acid + Polyuridilic acid",
        "classes": ("interferon-inducers",),
    },
    {
        "key": "triazavirine",
        "id": "triazavirine",
        "name": "Triazavirine",
        "classes": ("antivirals-no-atc",),
    },
    {"key": "oxolin", "id": "oxolin", "name": "Oxolin", "classes": ("antivirals-no-atc",)},
    {"key": "panavir", "id": "panavir", "name": "Panavir", "classes": ("antivirals-no-atc",)},
    {
        "key": "proteflazid",
        "id": "proteflazid",
        "name": "Proteflazid",
        "classes": ("antivirals-no-atc",),
    },
    {
        "key": "polyoxidonium",
        "id": "azoximer-bromide",
        "name": "Azoximer bromide",
        "classes": ("other-immunomodulators-no-atc",),
    },
    {
        "key": "derinat",
        "id": "sodium-deoxyribonucleate",
        "name": "Sodium deoxyribonucleate",
        "classes": ("other-immunomodulators-no-atc",),
    },
    {
        "key": "galavit",
        "id": "aminodihydrophthalazinedione-sodium",
        "name": "Aminodihydrophthalasindione sodium",
        "classes": ("other-immunomodulators-no-atc",),
    },
    {
        "key": "dibazol",
        "id": "bendazole",
        "name": "Bendazole",
        "classes": ("other-immunomodulators-no-atc",),
    },
    {
        "key": "wobenzym",
        "id": "wobenzym",
        "name": "Wobenzym",
        "classes": ("other-immunomodulators-no-atc",),
    },
    {
        "key": "prodigiosanum",
        "id": "prodigiosan",
        "name": "Prodigiosanum",
        "classes": ("other-immunomodulators-no-atc",),
    },
    {
        "key": "esberitox",
        "id": "esberitox",
        "name": "Esberitox",
        "classes": ("herbal-immunostimulants",),
    },
    {
        "key": "echinacea",
        "id": "echinacea",
        "name": "Echinacea purpurea",
        "classes": ("herbal-immunostimulants",),
    },
    {
        "key": "glutoxim",
        "id": "glutamyl-cysteinyl-glycine-disodium",
        "name": "Glutamyl-Cysteinyl-Glycine disodium",
        "classes": ("thymic-and-other-peptides",),
    },
    {
        "key": "imunofan",
        "id": "imunofan",
        "name": "Imunofan",
        "classes": ("thymic-and-other-peptides",),
    },
    {
        "key": "licopid",
        "id": "glucosaminylmuramyl-dipeptide",
        "name": "Glucoseminyl muramildipeptide",
        "classes": ("thymic-and-other-peptides",),
    },
    {
        "key": "thymalin",
        "id": "thymalin",
        "name": "Thymalin",
        "classes": ("thymic-and-other-peptides",),
    },
    {
        "key": "thymogen",
        "id": "alfa-glutamyl-tryptophan",
        "name": "alfa-glutamyl-triptophan",
        "classes": ("thymic-and-other-peptides",),
    },
    {
        "key": "imudon",
        "id": "om-85",
        "name": "OM-85",
        "classes": ("bacterial-lysates",),
        "names": ("Бронхо-мунал", "Broncho-Vaxom", "Bacterial extract OM-85", "OM-85"),
    },
    {
        "key": "imudon",
        "id": "imudon",
        "name": "Имудон",
        "classes": ("bacterial-lysates",),
        "names": ("Имудон",),
    },
    {
        "key": "imudon",
        "id": "irs-19",
        "name": "IRS 19",
        "classes": ("bacterial-lysates",),
        "names": ("ИРС 19", "IRS 19"),
    },
    {
        "key": "imudon",
        "id": "ismigen",
        "name": "Исмиген",
        "classes": ("bacterial-lysates",),
        "names": ("Исмижен", "Исмиген"),
    },
    {"key": "ribomunyl", "id": "ribomunyl", "name": "Ribomunyl", "classes": ("bacterial-lysates",)},
    {"key": "uroVaxom", "id": "om-89", "name": "OM-89", "classes": ("bacterial-lysates",)},
]

#: Products named by the lists, with the dose form in the source's words (``quote`` must appear in the
#: entry's text; the test checks it).  Route ``unknown`` where the text does not say.
LIST_PRODUCTS: list[dict[str, Any]] = [
    {
        "id": "viferon-suppositories",
        "key": "viferon",
        "brand": "Виферон",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "суппозитории (suppositories)",
        "route": "rectal",
        "quote": "суппозитории рчИФН-α-2b",
        "strength": "до 3000000 МЕ (up to 3,000,000 IU)",
    },
    {
        "id": "viferon-gel",
        "key": "viferon",
        "brand": "Виферон",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "гель (gel)",
        "route": "topical",
        "quote": "Гель/мазь",
    },
    {
        "id": "viferon-ointment",
        "key": "viferon",
        "brand": "Виферон",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "мазь (ointment)",
        "route": "topical",
        "quote": "Гель/мазь",
    },
    {
        "id": "genferon-suppositories",
        "key": "genferon",
        "brand": "Генферон",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "суппозитории (suppositories)",
        "route": "unknown",
        "quote": "в суппозиториях до 1000000 МЕ/штука",
        "strength": "до 1000000 МЕ/штука (up to 1,000,000 IU each)",
    },
    {
        "id": "grippferon",
        "key": "grippferon",
        "brand": "Гриппферон",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "not stated in the source",
        "route": "unknown",
        "quote": "10000 МЕ/мл",
        "strength": "10000 МЕ/мл",
    },
    {
        "id": "kipferon",
        "key": "kipferon",
        "brand": "Кипферон",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "not stated in the source",
        "route": "unknown",
        "quote": "500000 МЕ",
        "strength": "500000 МЕ",
    },
    {
        "id": "oftalmoferon",
        "key": "oftalmoferon",
        "brand": "Офтальмоферон",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "not stated in the source (used on the eye)",
        "route": "ophthalmic",
        "quote": "промыванию глаз",
        "strength": "10000 МЕ/мл",
    },
    {
        "id": "alpharona-nasal-drops",
        "key": "alpharona",
        "brand": "Альфарона",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "капли в нос (nasal drops)",
        "route": "intranasal",
        "quote": "капель в нос",
        "strength": "10000 МЕ/мл",
    },
    {
        "id": "alpharona-injection",
        "key": "alpharona",
        "brand": "Альфарона",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "раствор для инъекций (solution for injection)",
        "route": "parenteral",
        "quote": "раствор для инъекций",
    },
    {
        "id": "laferobion-ampoules",
        "key": "laferobion",
        "brand": "Лаферобион",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "ампулы (ampoules)",
        "route": "parenteral",
        "quote": "в ампулах",
    },
    {
        "id": "laferobion-nasal-spray",
        "key": "laferobion",
        "brand": "Лаферобион",
        "substances": ("interferon-alfa-2b",),
        "dose_form": "назальный спрей (nasal spray)",
        "route": "intranasal",
        "quote": "назального спрея",
    },
    {
        "id": "ingaron",
        "key": "ingaron",
        "brand": "Ингарон",
        "substances": ("interferon-gamma",),
        "dose_form": "not stated in the source",
        "route": "unknown",
        "quote": "Интерферон гамма",
    },
    {
        "id": "cytovir-3",
        "key": "cytovir3",
        "brand": "Цитовир-3",
        "substances": ("alfa-glutamyl-tryptophan", "bendazole"),
        "dose_form": "not stated in the source",
        "route": "unknown",
        "quote": "аскорбинка + тимоген + бендазол",
    },
    {
        "id": "immunal",
        "key": "immunal",
        "brand": "Иммунал",
        "substances": ("echinacea",),
        "dose_form": "not stated in the source",
        "route": "unknown",
        "quote": "см. Эхинацея",
    },
    {
        "id": "thymalin",
        "key": "thymalin",
        "brand": "Тималин",
        "substances": ("thymalin",),
        "dose_form": "not stated in the source (given intramuscularly)",
        "route": "intramuscular",
        "quote": "Вводится внутримышечно",
    },
    {
        "id": "grippol",
        "key": "grippol",
        "brand": "Гриппол",
        "substances": ("influenza-vaccine", "azoximer-bromide"),
        "dose_form": "not stated in the source",
        "route": "unknown",
        "quote": "полиоксидоний",
    },
    {
        "id": "longidaza",
        "key": "longidaza",
        "brand": "Лонгидаза",
        "substances": ("azoximer-bromide",),
        "dose_form": "not stated in the source",
        "route": "unknown",
        "quote": "Гиалуронидаза + Азоксимера бромид",
    },
]

#: homeopathy-list entries taken: those whose title or text mentions influenza, ARVI, colds or immunity
HOMEO_PATTERN = r"(?i)грипп|орви|простуд|иммун"
HOMEO_ALSO = ("rengalin", "engystol")
#: release-active antibody products: the source names the producer Materia Medica and the text speaks of
#: antibodies ("антител…"); the rest of the homeopathy list is classed as homeopathic only
RELEASE_ACTIVE_PRODUCER = r"(?i)материа медика"
RELEASE_ACTIVE_TEXT = r"(?i)антител"

#: FK negative-list entries that name a seeded substance: flat CSV id -> substance id
FK_SUBSTANCES = {"prednizolon": "prednisolone"}
