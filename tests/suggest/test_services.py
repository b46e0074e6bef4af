"""Training on events closed through the workflow, ranked suggestions, and the fallbacks to
the routing rules."""

import logging
import pickle

import pytest

from tests.events.factories import report
from tests.suggest.conftest import HISTORY
from wangge.errors import DomainError
from wangge.events import routing
from wangge.events import workflow as wf
from wangge.suggest import learn, services
from wangge.suggest.models import SuggestionModel
from wangge.suggest.tasks import train_nightly

pytestmark = pytest.mark.django_db


def test_the_model_is_stored_signed_with_its_figures(trained, settings):
    model = SuggestionModel.objects.get()
    assert model.version == 1
    assert model.category_samples == model.department_samples == 18
    assert model.category_classes == model.department_classes == 3
    assert 0.5 <= model.category_accuracy <= 1 and 0.5 <= model.department_accuracy <= 1
    assert model.category_accuracy <= model.category_top3 == 1.0  # three classes: always top-3
    assert model.sklearn_version == __import__("sklearn").__version__
    pipeline = learn.load(bytes(model.category_blob), model.category_signature, settings.SECRET_KEY)
    assert sorted(pipeline.classes_) == sorted(c for c, _d, _t in HISTORY)


def test_suggestions_are_ranked_with_confidences(trained):
    # A category the history never had: the text alone points at rubbish and its department.
    event = report(trained.world, "1204", title="小区门口的垃圾桶满了没人清运")
    found = services.suggest_for(event)
    assert found.basis == "model" and found.confident
    assert found.categories[0].code == "0102"
    assert found.departments[0].code == "cg"
    for ranked in (found.categories, found.departments):
        assert len(ranked) == 3
        confidences = [s.confidence for s in ranked]
        assert confidences == sorted(confidences, reverse=True)
        assert confidences[-1] >= 0 and sum(confidences) <= 1.0001
    assert found.departments[0].name == "城管"
    assert found.lead == trained.world.city  # the model's, though routing says otherwise
    assert found.routing is None  # no rule for 1204


def test_low_confidence_falls_back_to_the_routing_rule(trained, settings):
    settings.WANGGE_SUGGEST_MIN_CONFIDENCE = 0.999
    event = report(trained.world, "0102", title="路边有一堆垃圾")
    found = services.suggest_for(event)
    assert found.basis == "low_confidence" and not found.confident
    assert found.departments[0].code == "cg"  # still shown …
    assert found.routing == found.lead == trained.world.market  # … but routing applies
    assert found.lead == routing.suggest_lead(event)


def test_without_a_model_the_routing_rule_applies(trained):
    SuggestionModel.objects.all().delete()
    event = report(trained.world, "0102", title="路边有一堆垃圾")
    found = services.suggest_for(event)
    assert found.basis == "no_model"
    assert found.categories == found.departments == []
    assert found.lead == trained.world.market


def test_a_model_row_not_signed_by_the_platform_is_never_unpickled(trained, caplog):
    good = SuggestionModel.objects.get()
    forged = SuggestionModel.objects.get()
    forged.pk, forged.version = None, 2
    forged.category_blob = bytes(good.category_blob) + b"\0"  # any bytes but the signed ones
    forged.save()
    event = report(trained.world, "0102", title="路边有一堆垃圾")
    with caplog.at_level(logging.ERROR, logger="wangge.suggest.services"):
        found = services.suggest_for(event)
    assert found.basis == "no_model" and found.lead == trained.world.market
    assert "signature mismatch" in caplog.text


def test_too_little_history_trains_nothing(trained, settings):
    settings.WANGGE_SUGGEST_MIN_SAMPLES = 100
    with pytest.raises(DomainError) as refused:
        services.train()
    assert refused.value.problems[0].code == "too_few"
    assert SuggestionModel.objects.count() == 1


def test_retraining_adds_a_version_and_keeps_the_newest(trained, settings):
    settings.WANGGE_SUGGEST_KEEP_VERSIONS = 1
    # One more closed rubbish event, handled by the fire brigade for once: it is learned.
    event = report(trained.world, "0102", title="消防通道旁堆了垃圾")
    event = wf.event_accept(event=event, actor=trained.world.operator)
    event = wf.event_dispatch(event=event, actor=trained.world.operator, lead=trained.fire)
    assert services.train().department_samples == 18  # not closed yet: not learned
    assert list(SuggestionModel.objects.values_list("version", flat=True)) == [2]
    assert train_nightly.call_local() == 3
    assert services.suggest_for(event).model_version == 3


def test_the_training_set_pairs_texts_with_category_and_area_context(trained):
    data = services.training_set()
    assert len(data.texts) == len(data.department_rows) == 18
    title, text, context = data.department_rows[0]
    assert "c:0102" in context.split() or "c:1001" in context.split() or "c:0902" in context
    assert "a:330103" in context.split() and text.startswith(title)


def test_events_not_closed_lend_their_texts_to_the_vocabulary_not_their_labels(trained, settings):
    assert services.training_set().background == []  # the history is all closed
    report(trained.world, "0902", title="鹦鹉螺号潜艇停在井盖上", description="请尽快处理")
    data = services.training_set()
    assert data.background == [("鹦鹉螺号潜艇停在井盖上", "鹦鹉螺号潜艇停在井盖上 请尽快处理")]
    assert len(data.texts) == 18 and "鹦鹉螺号潜艇停在井盖上" not in {t for t, _x in data.texts}
    model = services.train()
    assert model.category_samples == 18  # not learned as a sample …
    for blob, signature in [
        (model.category_blob, model.category_signature),
        (model.department_blob, model.department_signature),
    ]:
        pipeline = learn.load(bytes(blob), signature, settings.SECRET_KEY)
        names = set(pipeline.named_steps["features"].get_feature_names_out())
        assert "title__鹦鹉" in names and "text__潜艇" in names  # … but its n-grams are features
        assert "鹦鹉螺号".encode() not in learn.dump(pipeline)  # the background is not stored


def test_background_texts_shape_the_features_and_are_not_pickled():
    from wangge.suggest.features import BackgroundTfidf

    plain = BackgroundTfidf().fit(["垃圾满了", "垃圾没人收"])
    wider = BackgroundTfidf(background=("垃圾桶坏了", "路灯坏了")).fit(["垃圾满了", "垃圾没人收"])
    assert "路灯" not in plain.get_feature_names_out()
    assert "路灯" in wider.get_feature_names_out()
    assert wider.transform(["垃圾坏了"]).shape[1] == len(wider.get_feature_names_out())
    restored = pickle.loads(pickle.dumps(wider))
    assert restored.background == () and list(restored.get_feature_names_out()) == list(
        wider.get_feature_names_out()
    )
    assert (restored.transform(["路灯坏了"]) != wider.transform(["路灯坏了"])).nnz == 0
