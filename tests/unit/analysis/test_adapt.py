"""The per-workspace model: thresholds, exact-text memory, persistence and the accuracy report."""

from __future__ import annotations

import json
import math

import pytest

from baliza.analysis.adapt import (
    AdaptConfig,
    Correction,
    FieldOverride,
    Override,
    WorkspaceModel,
    accuracy_report,
)
from baliza.analysis.fast import analyse
from baliza.core import i18n
from baliza.core.errors import ValidationError

NEUTRAL_BASE = {"sentiment": {"label": "neutral"}, "issue_types": []}
SLANG = [
    f"Otra ñapa de Acme, {thing}"
    for thing in (
        "el envío",
        "la caja",
        "el pedido",
        "el repartidor",
        "la app",
        "la factura",
        "la tienda",
        "el cupón",
        "la web",
        "el chat",
        "el menú",
    )
]
THANKS = [
    f"Gracias equipo Acme por {thing}"
    for thing in (
        "el detalle",
        "la rapidez",
        "la ayuda",
        "el regalo",
        "la atención",
        "el trato",
        "la paciencia",
        "el café",
        "la sorpresa",
    )
]
PLACES = ["Mercadona", "Carrefour", "la gasolinera", "Lidl", "el súper", "Dia", "Alcampo", "Eroski", "la web", "la app"]


def slang_corrections() -> list[Correction]:
    negatives = [Correction(text, "es", "sentiment", "negative") for text in SLANG]
    positives = [Correction(text, "es", "sentiment", "positive") for text in THANKS]
    return negatives + positives  # 11 + 9 = 20, the default min_field_examples


def test_corrections_change_predictions_only_after_enough_examples() -> None:
    corrections = slang_corrections()
    query = "Vaya ñapa lo de Acme con el pedido de hoy"
    model = WorkspaceModel().fit(corrections[:19])
    assert model.examples == {"sentiment": 19, "issue_types": 0}
    assert model.predict(query, "es", NEUTRAL_BASE) is None  # 19 < 20 corrected texts
    model.update(corrections[19])
    override = model.predict(query, "es", NEUTRAL_BASE)
    assert override is not None and override.sentiment is not None
    assert (override.sentiment.value, override.sentiment.source) == ("negative", "model")
    assert override.sentiment.confidence >= 0.9
    assert override.issue_types is None
    # Agreeing with the base is no override; too little known text is no evidence.
    assert model.predict(query, "es", {"sentiment": "negative", "issue_types": []}) is None
    assert model.predict("Menuda ñapa", "es", NEUTRAL_BASE) is None  # one known word (the language does not count)
    assert model.predict("Hoy hace sol en Madrid", "es", NEUTRAL_BASE) is None


def test_one_sided_corrections_never_override() -> None:
    model = WorkspaceModel().fit(Correction(text, "es", "sentiment", "negative") for text in SLANG * 3)
    assert model.examples["sentiment"] == 11  # a text counts once
    more = [Correction(f"{text} y {n}", "es", "sentiment", "negative") for n in range(3) for text in SLANG]
    model = WorkspaceModel().fit(more)
    assert model.examples["sentiment"] == 33
    assert model.predict("Vaya ñapa lo de Acme con el pedido de hoy", "es", NEUTRAL_BASE) is None


def test_a_corrected_text_always_gets_its_correction() -> None:
    model = WorkspaceModel()
    model.update(Correction("El pedido llegó, pero frío", "es", "sentiment", "negative"))
    model.update(Correction("El pedido llegó, pero frío", "es", "issue_types", ("complaint", "product_quality")))
    expected = Override(
        FieldOverride("sentiment", "negative", 1.0, "memory"),
        FieldOverride("issue_types", ("complaint", "product_quality"), 1.0, "memory"),
    )
    assert model.predict("el pedido LLEGO,   pero frio", None, NEUTRAL_BASE) == expected
    # Even when the base already agrees: the answer says people confirmed it.
    agreeing = {"sentiment": "negative", "issue_types": ["complaint", "product_quality"]}
    assert model.predict("El pedido llegó, pero frío", "es", agreeing) == expected
    assert model.predict("El pedido llegó y estaba caliente", "es", NEUTRAL_BASE) is None


def test_a_text_corrected_again_counts_once_with_its_latest_label() -> None:
    model = WorkspaceModel()
    model.update(Correction("Menudo servicio", "es", "sentiment", "negative"))
    model.update(Correction("menudo servicio", "es", "sentiment", "positive"))
    assert model.examples["sentiment"] == 1
    override = model.predict("Menudo servicio", "es", NEUTRAL_BASE)
    assert override is not None and override.sentiment == FieldOverride("sentiment", "positive", 1.0, "memory")
    state = model.to_dict()
    assert state["sentiment"]["negative"] == {"docs": 0, "features": {}}


def test_issue_types_gain_and_lose_labels() -> None:
    coupons = [
        Correction(f"El cupón de Acme no funciona en {place}", "es", "issue_types", ("pricing", "complaint"))
        for place in PLACES
    ]
    hours = [
        Correction(f"¿A qué hora abre la tienda de Acme en {place}?", "es", "issue_types", "question")
        for place in PLACES
    ]
    model = WorkspaceModel().fit(coupons + hours)
    assert coupons[0].value == ("complaint", "pricing")  # stored in display order
    gained = model.predict("Tampoco funciona el cupón de Acme en Caprabo", "es", {"issue_types": ["complaint"]})
    assert gained is not None and gained.issue_types is not None
    assert (gained.issue_types.value, gained.issue_types.source) == (("complaint", "pricing"), "model")
    base = {"issue_types": [{"type": "complaint", "confidence": 0.7}, {"type": "question", "confidence": 0.8}]}
    lost = model.predict("¿A qué hora abre la tienda de Acme en Sevilla?", "es", base)
    assert lost is not None and lost.issue_types is not None
    assert lost.issue_types.value == ("question",)
    assert model.predict("¿A qué hora abre la tienda de Acme en Cádiz?", "es", {"issue_types": ["question"]}) is None


def test_predict_reads_an_analysis_object_as_base() -> None:
    model = WorkspaceModel().fit(slang_corrections())
    text = "Vaya ñapa lo de Acme con el pedido de hoy"
    base = analyse(text, "es")
    assert (base.sentiment.label, base.issues.ids) == ("neutral", ("delivery",))  # the slang is unknown to it
    override = model.predict(text, "es", base)
    assert override is not None and override.sentiment is not None
    assert override.sentiment.value == "negative"
    assert override.issue_types is None


def test_the_model_round_trips_through_json() -> None:
    model = WorkspaceModel(AdaptConfig(min_confidence=0.95)).fit(slang_corrections())
    model.update(Correction("El cupón no va", "es", "issue_types", ("complaint", "pricing")))
    state = json.loads(json.dumps(model.to_dict()))
    assert state["version"] == 1
    copy = WorkspaceModel.from_dict(state)
    assert copy.config == AdaptConfig(min_confidence=0.95)
    assert copy.to_dict() == model.to_dict()
    assert copy.examples == model.examples
    for text in ["Vaya ñapa lo de Acme con el pedido de hoy", "El cupón no va", "Gracias equipo Acme, majos", "hola"]:
        assert copy.predict(text, "es", NEUTRAL_BASE) == model.predict(text, "es", NEUTRAL_BASE)


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ({"version": 2, "feature_bits": 20}, "unsupported_model_version"),
        ({"version": 1, "feature_bits": 20, "config": {}}, "invalid_model_state"),
    ],
)
def test_foreign_states_are_refused(state: dict[str, object], code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        WorkspaceModel.from_dict(state)
    assert caught.value.code == code
    if code == "unsupported_model_version":
        assert caught.value.message == "workspace model version 2 is not supported (expected 1); refit it"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sentiment", "angry", "unknown sentiment 'angry': expected negative, neutral or positive"),
        ("issue_types", ("delivery", "weather"), "unknown issue type 'weather'"),
        ("mood", "negative", "unknown correction field 'mood': expected sentiment or issue_types"),
    ],
)
def test_bad_corrections_are_refused(field: str, value: str | tuple[str, ...], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Correction("texto", "es", field, value)  # type: ignore[arg-type]
    assert caught.value.message == message


def test_bad_corrections_are_explained_in_spanish() -> None:
    with i18n.use_locale("es"), pytest.raises(ValidationError) as caught:
        Correction("texto", "es", "sentiment", "angry")
    assert caught.value.message == "sentimiento desconocido 'angry': se esperaba negative, neutral o positive"


def test_accuracy_report_of_the_base_worked_out_by_hand() -> None:
    # truth:  negative  neutral  neutral  negative
    # base:   negative  negative neutral  positive
    pairs = [
        (Correction("uno dos tres", "es", "sentiment", "negative"), {"sentiment": "negative"}),
        (Correction("cuatro cinco", "es", "sentiment", "neutral"), {"sentiment": "negative"}),
        (Correction("seis siete", "es", "sentiment", "neutral"), {"sentiment": "neutral"}),
        (Correction("ocho nueve", "es", "sentiment", "negative"), {"sentiment": {"label": "positive"}}),
    ]
    report = accuracy_report(pairs)
    sentiment = report["fields"]["sentiment"]
    assert report["method"] == "leave_one_out"
    assert sentiment["examples"] == 4
    assert sentiment["base"] == {
        "accuracy": 0.5,  # 2 of 4
        "labels": {
            # predicted twice, right once; true twice, found once; F1 = 2·1 / (2·1 + 1 + 1)
            "negative": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2},
            # predicted once, right; true twice, found once; F1 = 2 / (2 + 0 + 1)
            "neutral": {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2},
            # predicted once, wrong; never true
            "positive": {"precision": 0.0, "recall": None, "f1": 0.0, "support": 0},
        },
    }
    # Four corrections are far below the thresholds: the adapted answers are the base ones.
    assert sentiment["adapted"] == sentiment["base"]
    assert sentiment["changed"] == 0
    assert "issue_types" not in report["fields"]


def test_accuracy_report_of_the_adapted_model_by_leave_one_out() -> None:
    config = AdaptConfig(min_field_examples=2, min_label_examples=1, min_known_features=1, min_confidence=0.6)
    pairs = [
        (Correction("napa napa napa envio", None, "sentiment", "negative"), {"sentiment": "neutral"}),
        (Correction("napa caja envio", None, "sentiment", "negative"), {"sentiment": "neutral"}),
        (Correction("gracias equipo", None, "sentiment", "positive"), {"sentiment": "positive"}),
        (Correction("gracias equipo majo", None, "sentiment", "positive"), {"sentiment": "positive"}),
    ]
    # Leaving out the first text: one negative text (5 features: napa, caja, envio and two pairs) and
    # two positive ones (12 feature counts: gracias, equipo, the pair and the stems graci, equip twice;
    # majo and "equipo majo" once), 12 distinct features. Known words of the text: napa, envio.
    negative = math.log(1 / 3) + 2 * math.log((1 + 1) / (5 + 12))
    positive = math.log(2 / 3) + 2 * math.log((0 + 1) / (12 + 12))
    expected = 1 / (1 + math.exp(positive - negative))
    trained = WorkspaceModel(config).fit(correction for correction, _base in pairs[1:])
    override = trained.predict("napa napa napa envio", None, {"sentiment": "neutral"})
    assert override is not None and override.sentiment is not None
    assert override.sentiment.value == "negative"
    assert override.sentiment.confidence == pytest.approx(expected, abs=1e-4)  # 0.7994

    report = accuracy_report(pairs, config=config)["fields"]["sentiment"]
    assert report["base"]["accuracy"] == 0.5
    assert report["base"]["labels"]["negative"] == {"precision": None, "recall": 0.0, "f1": 0.0, "support": 2}
    assert report["adapted"] == {
        "accuracy": 1.0,
        "labels": {
            "negative": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2},
            "positive": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2},
        },
    }
    assert report["changed"] == 2


def test_accuracy_report_for_issue_types_and_repeated_corrections() -> None:
    pairs = [
        (Correction("a b", "es", "issue_types", ("complaint", "delivery")), {"issue_types": ["complaint"]}),
        (Correction("c d", "es", "issue_types", ("question",)), {"issue_types": ["question", "complaint"]}),
        (Correction("e f", "es", "issue_types", ()), {"issue_types": []}),
        # The first text again, corrected to what the base said: only the latest correction counts.
        (Correction("A  B", "es", "issue_types", ("complaint",)), {"issue_types": ["complaint"]}),
    ]
    report = accuracy_report(pairs)["fields"]["issue_types"]
    assert report["examples"] == 3
    assert report["base"] == {
        "accuracy": 0.6667,  # "c d" got an extra complaint
        "labels": {
            "complaint": {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1},
            "question": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1},
        },
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"min_field_examples": -1}, "min_field_examples must not be negative"),
        ({"min_confidence": 0.3}, "min_confidence must be between 0.5 and 1 and smoothing above 0"),
    ],
)
def test_bad_configs_are_refused(config: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AdaptConfig(**config)  # type: ignore[arg-type]
    assert caught.value.message == message
