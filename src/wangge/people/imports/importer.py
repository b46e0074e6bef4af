"""Import of buildings, houses, households and residents from xlsx or CSV.

Every row is checked first (row, column, reason), writing nothing: a row that refers to a
record the file itself makes (a house of a building a row above creates) is checked against
what that row would write. Mode "all": any problem and nothing is written. Mode "valid": the
good rows are written, the bad ones reported; a row that refers to a rejected row (a house
of a rejected building …) is itself rejected. The good rows are then written in batches of
WANGGE_IMPORT_BATCH_ROWS (buildings first, residents last), each batch in bulk in its own
short transaction, so a row is never half-written and the database's write lock (SQLite) is
never held longer than one batch; the ImportRun records how far the writing got. Records are
matched by their code (buildings, houses, households) or by ID number (residents, via the
blind index): importing the same file again (or after an import stopped half-way) changes
nothing it wrote, an updated file updates, and a resident whose household
changes is moved (the old residence ends, a new one starts).

Audit: one entry for the import (file hash, counts, the id range created), one per updated
resident.
"""

import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.actors import Actor, author, require_actor
from wangge.accounts.scope import visible_paths
from wangge.inputs import text_problem
from wangge.people import bulkcopy, crypto, pii
from wangge.people.identity import (
    InvalidValue,
    mask_id,
    mask_phone,
    normalise_document,
    parse_id_number,
    parse_phone,
)
from wangge.people.imports import tabular
from wangge.people.models import (
    Building,
    House,
    Household,
    HouseUse,
    IdType,
    ImportRun,
    Relation,
    Residence,
    ResidenceType,
    Resident,
    ResidentStatus,
    Sex,
)
from wangge.people.places.services import house_location
from wangge.regions.models import Area
from wangge.regions.spatial_index import get_index

BATCH = 2000

# Chinese labels in the field → stored values.
USE = {
    "住宅": HouseUse.RESIDENTIAL,
    "商铺": HouseUse.SHOP,
    "出租房": HouseUse.RENTAL,
    "出租": HouseUse.RENTAL,
    "空置": HouseUse.VACANT,
    "空置房": HouseUse.VACANT,
    "办公": HouseUse.OFFICE,
    "商住两用": HouseUse.MIXED,
    "其他": HouseUse.OTHER,
}
HOUSEHOLD_KIND = {"家庭户": "family", "集体户": "collective"}
RELATION = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "子女": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "父母": Relation.PARENT,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子女": Relation.GRANDCHILD,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子女": Relation.GRANDCHILD,
    "祖父母": Relation.GRANDPARENT,
    "兄弟姐妹": Relation.SIBLING,
    "儿媳": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
    "租户": Relation.TENANT,
    "其他": Relation.OTHER,
}
RESIDENCE = {
    "户籍": ResidenceType.REGISTERED,
    "户籍人口": ResidenceType.REGISTERED,
    "流动": ResidenceType.FLOATING,
    "流动人口": ResidenceType.FLOATING,
    "暂住": ResidenceType.TEMPORARY,
    "暂住人口": ResidenceType.TEMPORARY,
    "境外": ResidenceType.OVERSEAS,
    "境外人员": ResidenceType.OVERSEAS,
}
ID_TYPE = {
    "居民身份证": IdType.ID_CARD,
    "身份证": IdType.ID_CARD,
    "护照": IdType.PASSPORT,
    "港澳台通行证": IdType.HK_MACAO_TAIWAN,
    "港澳居民来往内地通行证": IdType.HK_MACAO_TAIWAN,
    "台湾居民来往大陆通行证": IdType.HK_MACAO_TAIWAN,
    "其他": IdType.OTHER,
}
SEX = {"男": Sex.MALE, "女": Sex.FEMALE}


class RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class RowProblem:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportResult:
    mode: str
    rows: int = 0
    counts: dict[str, Counts] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    committed: bool = False
    run: ImportRun | None = None

    def total(self, what: str) -> int:
        return sum(getattr(c, what) for c in self.counts.values())


# ---- cell parsers ---------------------------------------------------------------------------


def _text(v: Any) -> str:
    return tabular.cell_text(v)


def _choice(table: Mapping[str, str], default: str, what: str) -> Callable[[Any], str]:
    values = set(table.values())

    def parse(v: Any) -> str:
        text = _text(v)
        if not text:
            return default
        if text in table:
            return table[text]
        if text in values:
            return text
        raise ValueError(_("Not one of: %(choices)s.") % {"choices": "、".join(table)})

    return parse


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    text = _text(v)
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise ValueError(_("Not a date (write it as 2024-03-01)."))


def _float(v: Any) -> float | None:
    text = _text(v)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(_("Not a number.")) from None


def _int(v: Any) -> int | None:
    f = _float(v)
    if f is None:
        return None
    if not f.is_integer() or f < 0:
        raise ValueError(_("Not a whole number."))
    return int(f)


def _cell(record: dict[str, Any], name: str, parse: Callable[[Any], Any]) -> Any:
    try:
        return parse(record.get(name))
    except (ValueError, InvalidValue) as exc:
        raise RowError(name, str(exc)) from None


def _required(record: dict[str, Any], name: str) -> str:
    text = _text(record.get(name))
    if not text:
        raise RowError(name, _("This column is required."))
    return text


def _refuse_unstorable_cells(sheet: tabular.Sheet, run: "_Run") -> None:
    """Rows with a cell no column can store (NUL, a lone surrogate, control characters) are
    rejected, naming the row and column, before anything reads them."""
    kept = []
    for number, values in sheet.rows:
        bad = [
            (i, problem)
            for i, value in enumerate(values)
            if isinstance(value, str) and (problem := text_problem(value))
        ]
        if not bad:
            kept.append((number, values))
            continue
        for i, problem in bad:
            header = sheet.headers[i] if i < len(sheet.headers) else ""
            run.result.problems.append(RowProblem(sheet.name, number, header, problem))
        assert sheet.kind is not None
        run.count(sheet.kind).rejected += 1
        run.result.rows += 1
    sheet.rows = kept


# ---- the run --------------------------------------------------------------------------------


class _Run:
    def __init__(self, actor: Actor, mode: str, result: ImportResult, dry: bool = False) -> None:
        self.actor = actor
        # A dry run (the check) writes nothing: what it would create is kept here by code,
        # for the later sheets' rows that refer to it.
        self.dry = dry
        self.virtual: dict[str, dict[str, Any]] = {"building": {}, "house": {}, "household": {}}
        self.mode = mode
        self.result = result
        self.paths = visible_paths(require_actor(actor))
        self.area_by_id: dict[int, Area] = {}
        self.area_by_code: dict[str, Area] = {}
        self.today = timezone.localdate()
        self.ring = crypto.get_ring()
        self.created_ids: dict[str, list[int]] = {}
        self.updated_residents: list[tuple[int, str, list[str]]] = []

    # -- helpers --

    def problem(self, sheet: tabular.Sheet, row: int, field_name: str, message: str) -> None:
        header = sheet.header_of(field_name) if field_name else ""
        self.result.problems.append(RowProblem(sheet.name, row, header, message))

    def in_scope(self, area: Area) -> bool:
        return self.paths is None or any(area.path.startswith(p) for p in self.paths)

    def area(self, area_id: int) -> Area:
        if area_id not in self.area_by_id:
            self.area_by_id[area_id] = Area.objects.get(pk=area_id)
        return self.area_by_id[area_id]

    def place(self, record: dict[str, Any], fallback: Area | None) -> tuple[Area, Any, Any]:
        lon = _cell(record, "lon", _float)
        lat = _cell(record, "lat", _float)
        if (lon is None) != (lat is None):
            raise RowError("lat" if lat is None else "lon", _("Give both longitude and latitude."))
        if lon is not None:
            where = get_index().locate(lon, lat)
            if where.outside:
                raise RowError("lon", _("This point is outside the jurisdiction."))
            area = self.area(where.chain[0].id)
        elif code := _text(record.get("area_code")):
            found = self.area_by_code.get(code) or Area.objects.live().filter(code=code).first()
            if found is None:
                raise RowError("area_code", _("No area has this code."))
            self.area_by_code[code] = found
            area = found
        elif fallback is not None:
            area = fallback
        else:
            raise RowError("lon", _("Give the location (longitude and latitude) or a grid code."))
        if not self.in_scope(area):
            raise RowError("lon", _("This place is outside your areas."))
        return area, lon, lat

    def count(self, kind: str) -> Counts:
        return self.result.counts.setdefault(kind, Counts())

    def upsert(
        self,
        kind: str,
        model: type[Model],
        items: list[tuple[str, dict[str, Any]]],
        sheet: tabular.Sheet,
        rows: dict[str, int],
    ) -> None:
        """Create or update records by code; unchanged ones are left alone. A code whose
        record lies outside the actor's areas is refused on its row (`rows`: code → row):
        the file may not move another grid's record into one of the actor's.

        Buildings and houses are written here in bulk, beside `places.services.building_save`
        and `house_save`: they share `house_location`, but placing a point (`_Run.place`, which
        also takes a grid code) is still written twice. Bulk variants in `places.services`
        that both use would make it one rule."""
        counts = self.count(kind)
        codes = [code for code, _v in items]
        existing: dict[str, Any] = {}
        for i in range(0, len(codes), BATCH):
            for found in model._default_manager.filter(code__in=codes[i : i + BATCH]):
                existing[found.code] = found  # type: ignore[attr-defined]
        new: list[Model] = []
        changed_objs: list[Any] = []
        changed_fields: set[str] = set()
        for code, values in items:
            obj = existing.get(code)
            if obj is None:
                new.append(model(code=code, **values))
                continue
            if not self.in_scope(self.area(obj.area_id)):
                self.problem(
                    sheet, rows[code], "code", _("This code is a record outside your areas.")
                )
                counts.rejected += 1
                continue
            diff = [k for k, v in values.items() if getattr(obj, k) != v]
            if diff:
                for k in diff:
                    setattr(obj, k, values[k])
                changed_objs.append(obj)
                changed_fields.update(diff)
            else:
                counts.unchanged += 1
        if self.dry:
            counts.created += len(new)
            counts.updated += len(changed_objs)
            self.virtual[kind].update({obj.code: obj for obj in new})  # type: ignore[attr-defined]
            return
        created = model._default_manager.bulk_create(new, batch_size=BATCH)
        if changed_objs:
            now = timezone.now()
            for obj in changed_objs:
                obj.updated_at = now
            model._default_manager.bulk_update(
                changed_objs, [*sorted(changed_fields), "updated_at"], batch_size=BATCH
            )
        counts.created += len(created)
        counts.updated += len(changed_objs)
        self.created_ids.setdefault(kind, []).extend(o.pk for o in created)

    # -- kinds --

    def buildings(self, sheet: tabular.Sheet) -> None:
        items: dict[str, dict[str, Any]] = {}
        rows: dict[str, int] = {}
        for row, rec in sheet.records():
            try:
                code = _required(rec, "code")
                if code in items:
                    raise RowError("code", _("This code appears twice in the file."))
                area, lon, lat = self.place(rec, None)
                rows[code] = row
                items[code] = dict(
                    name=_text(rec.get("name")) or code,
                    address=_text(rec.get("address")),
                    lon=lon,
                    lat=lat,
                    area_id=area.pk,
                    floors=_cell(rec, "floors", _int),
                    note=_text(rec.get("note")),
                )
            except RowError as e:
                self.problem(sheet, row, e.field, e.message)
                self.count("building").rejected += 1
        self.result.rows += len(sheet.rows)
        self.upsert("building", Building, list(items.items()), sheet, rows)

    def houses(self, sheet: tabular.Sheet) -> None:
        recs = list(sheet.records())
        building_codes = {_text(r.get("building")) for _n, r in recs} - {""}
        buildings = {b.code: b for b in Building.objects.filter(code__in=building_codes)}
        buildings.update((c, b) for c, b in self.virtual["building"].items() if c in building_codes)
        items: dict[str, dict[str, Any]] = {}
        rows: dict[str, int] = {}
        for row, rec in recs:
            try:
                code = _required(rec, "code")
                if code in items:
                    raise RowError("code", _("This code appears twice in the file."))
                building = None
                if bcode := _text(rec.get("building")):
                    building = buildings.get(bcode)
                    if building is None:
                        raise RowError("building", _("No building has this code."))
                area, lon, lat = self.place(rec, building.area if building else None)
                unit, number = _text(rec.get("unit")), _text(rec.get("number"))
                address, lon, lat = house_location(
                    building=building,
                    unit=unit,
                    number=number,
                    address=_text(rec.get("address")),
                    lon=lon,
                    lat=lat,
                )
                rows[code] = row
                items[code] = dict(
                    building_id=building.pk if building else None,
                    unit=unit,
                    number=number,
                    use=_cell(rec, "use", _choice(USE, HouseUse.RESIDENTIAL, "use")),
                    address=address,
                    lon=lon,
                    lat=lat,
                    area_id=area.pk,
                    floor_area_m2=_cell(rec, "floor_area_m2", _float),
                    note=_text(rec.get("note")),
                )
            except RowError as e:
                self.problem(sheet, row, e.field, e.message)
                self.count("house").rejected += 1
        self.result.rows += len(sheet.rows)
        self.upsert("house", House, list(items.items()), sheet, rows)

    def households(self, sheet: tabular.Sheet) -> None:
        recs = list(sheet.records())
        house_codes = {_text(r.get("house")) for _n, r in recs} - {""}
        houses: dict[str, House] = {}
        codes = sorted(house_codes)
        for i in range(0, len(codes), BATCH):
            for h in House.objects.filter(code__in=codes[i : i + BATCH]):
                houses[h.code] = h
        houses.update((c, h) for c, h in self.virtual["house"].items() if c in house_codes)
        items: dict[str, dict[str, Any]] = {}
        rows: dict[str, int] = {}
        for row, rec in recs:
            try:
                code = _required(rec, "code")
                if code in items:
                    raise RowError("code", _("This code appears twice in the file."))
                house = houses.get(_required(rec, "house"))
                if house is None:
                    raise RowError("house", _("No house has this code."))
                if not self.in_scope(self.area(house.area_id)):
                    raise RowError("house", _("This place is outside your areas."))
                rows[code] = row
                items[code] = dict(
                    house_id=house.pk,
                    kind=_cell(rec, "kind", _choice(HOUSEHOLD_KIND, "family", "kind")),
                    note=_text(rec.get("note")),
                    area_id=house.area_id,
                    address=house.address,
                    lon=house.lon,
                    lat=house.lat,
                )
            except RowError as e:
                self.problem(sheet, row, e.field, e.message)
                self.count("household").rejected += 1
        self.result.rows += len(sheet.rows)
        self.upsert("household", Household, list(items.items()), sheet, rows)

    def residents(self, sheet: tabular.Sheet) -> None:  # noqa: C901
        counts = self.count("resident")
        recs = list(sheet.records())
        self.result.rows += len(recs)
        codes = sorted({_text(r.get("household")) for _n, r in recs} - {""})
        households: dict[str, tuple[int, int]] = {}
        for i in range(0, len(codes), BATCH):
            for hid, code, area_id in Household.objects.filter(
                code__in=codes[i : i + BATCH]
            ).values_list("pk", "code", "area_id"):
                households[code] = (hid, area_id)
        for code, virtual in self.virtual["household"].items():
            households.setdefault(code, (virtual.pk, virtual.area_id))
        parse_type = _choice(ID_TYPE, IdType.ID_CARD, "id_type")
        parse_sex = _choice(SEX, "", "sex")
        parse_relation = _choice(RELATION, "", "relation")
        parse_residence = _choice(RESIDENCE, ResidenceType.REGISTERED, "residence_type")
        seen: dict[str, int] = {}
        clean: list[dict[str, Any]] = []
        for row, rec in recs:
            try:
                name = _required(rec, "name")
                id_type = _cell(rec, "id_type", parse_type)
                raw_id = rec.get("id_number")
                if isinstance(raw_id, float) and raw_id > 1e15:
                    raise RowError(
                        "id_number",
                        _(
                            "The ID number was stored as a number and lost digits: "
                            "format the column as text."
                        ),
                    )
                raw = _required(rec, "id_number")
                if id_type == IdType.ID_CARD:
                    try:
                        parsed = parse_id_number(raw, self.today)
                    except InvalidValue as exc:
                        raise RowError("id_number", str(exc)) from None
                    number, sex, birth = parsed.number, parsed.sex, parsed.birth_date
                else:
                    try:
                        number = normalise_document(raw)
                    except InvalidValue as exc:
                        raise RowError("id_number", str(exc)) from None
                    sex = _cell(rec, "sex", parse_sex)
                    birth = _cell(rec, "birth_date", _date)
                key = pii.id_key(id_type, number)
                if key in seen:
                    raise RowError(
                        "id_number",
                        _("This ID number is already in row %(row)d.") % {"row": seen[key]},
                    )
                phone_text = _text(rec.get("phone"))
                try:
                    phone = parse_phone(phone_text) if phone_text else ""
                except InvalidValue as exc:
                    raise RowError("phone", str(exc)) from None
                hh = households.get(_required(rec, "household"))
                if hh is None:
                    raise RowError("household", _("No household has this number."))
                if not self.in_scope(self.area(hh[1])):
                    raise RowError("household", _("This place is outside your areas."))
                clean.append(
                    dict(
                        row=row,
                        name=name,
                        id_type=id_type,
                        number=number,
                        key=key,
                        sex=sex,
                        birth_date=birth,
                        phone=phone,
                        ethnicity=_text(rec.get("ethnicity")),
                        household_id=hh[0],
                        area_id=hh[1],
                        relation=_cell(rec, "relation", parse_relation),
                        residence_type=_cell(rec, "residence_type", parse_residence),
                        moved_in_on=_cell(rec, "moved_in_on", _date),
                        workplace=_text(rec.get("workplace")),
                        note=_text(rec.get("note")),
                    )
                )
                seen[key] = row
            except RowError as e:
                self.problem(sheet, row, e.field, e.message)
                counts.rejected += 1
        self._write_residents(clean, counts)

    def _write_residents(self, clean: list[dict[str, Any]], counts: Counts) -> None:  # noqa: C901
        ring = self.ring
        # Existing residents by blind index, under every key of the ring.
        lookup: dict[str, dict[str, Any]] = {}
        for c in clean:
            for index in ring.blind_indexes(c["key"], pii.ID_CONTEXT):
                lookup[index] = c
        existing: dict[int, Resident] = {}
        indexes = list(lookup)
        for i in range(0, len(indexes), BATCH):
            for r in Resident.objects.filter(id_number_index__in=indexes[i : i + BATCH]):
                existing[id(lookup[r.id_number_index])] = r
        plain = (
            "name",
            "sex",
            "birth_date",
            "ethnicity",
            "relation",
            "residence_type",
            "workplace",
            "note",
            "moved_in_on",
        )
        new: list[dict[str, Any]] = []
        new_rows: list[dict[str, Any]] = []
        changed: list[Resident] = []
        changed_fields: set[str] = set()
        moves: list[tuple[Resident, dict[str, Any]]] = []
        for c in clean:
            found = existing.get(id(c))
            if found is None:
                phone = c["phone"]
                new.append(
                    {
                        **{k: c[k] for k in plain},
                        "id_type": c["id_type"],
                        "household_id": c["household_id"],
                        "area_id": c["area_id"],
                        "status": ResidentStatus.LIVING.value,
                        "id_number_enc": ring.encrypt(c["number"], pii.ID_CONTEXT),
                        "id_number_index": ring.blind_index(c["key"], pii.ID_CONTEXT),
                        "id_number_masked": mask_id(c["number"]),
                        "phone_enc": ring.encrypt(phone, pii.PHONE_CONTEXT) if phone else "",
                        "phone_index": ring.blind_index(phone, pii.PHONE_CONTEXT) if phone else "",
                        "phone_masked": mask_phone(phone) if phone else "",
                    }
                )
                new_rows.append(c)
                continue
            r = found
            diff = [k for k in plain if getattr(r, k) != c[k]]
            for k in diff:
                setattr(r, k, c[k])
            phone_now = ring.blind_indexes(c["phone"], pii.PHONE_CONTEXT) if c["phone"] else [""]
            if r.phone_index not in phone_now:
                self._seal_phone(r, c["phone"])
                diff += ["phone_enc", "phone_index", "phone_masked"]
            if r.household_id != c["household_id"]:
                moves.append((r, c))
                r.household_id = c["household_id"]
                r.area_id = c["area_id"]
                r.status = ResidentStatus.LIVING
                r.moved_out_on = None
                diff += ["household", "area", "status", "moved_out_on"]
            if diff:
                changed.append(r)
                changed_fields.update(diff)
                self.updated_residents.append((r.pk, str(r), diff))
            else:
                counts.unchanged += 1
        if self.dry:
            counts.created += len(new)
            counts.updated += len(changed)
            return
        created = bulkcopy.insert_rows(Resident, new)
        bulkcopy.insert_rows(
            Residence,
            [
                {
                    "resident_id": pk,
                    "household_id": c["household_id"],
                    "area_id": c["area_id"],
                    "relation": c["relation"],
                    "residence_type": c["residence_type"],
                    "started_on": c["moved_in_on"] or self.today,
                    "ended_on": None,
                }
                for pk, c in zip(created, new_rows, strict=True)
            ],
        )
        if changed:
            now = timezone.now()
            for r in changed:
                r.updated_at = now
            Resident.objects.bulk_update(
                changed, [*sorted(changed_fields), "updated_at"], batch_size=BATCH
            )
        if moves:
            moved_ids = [r.pk for r, _c in moves]
            on = self.today
            Residence.objects.filter(resident_id__in=moved_ids, ended_on__isnull=True).update(
                ended_on=on
            )
            Residence.objects.bulk_create(
                [
                    Residence(
                        resident_id=r.pk,
                        household_id=c["household_id"],
                        area_id=c["area_id"],
                        relation=c["relation"],
                        residence_type=c["residence_type"],
                        started_on=on,
                    )
                    for r, c in moves
                ]
            )
        counts.created += len(created)
        counts.updated += len(changed)
        self.created_ids.setdefault("resident", []).extend(created)

    def _seal_phone(self, r: Resident, phone: str) -> None:
        if phone:
            r.phone_enc = self.ring.encrypt(phone, pii.PHONE_CONTEXT)
            r.phone_index = self.ring.blind_index(phone, pii.PHONE_CONTEXT)
            r.phone_masked = mask_phone(phone)
        else:
            r.phone_enc = r.phone_index = r.phone_masked = ""


def _batches(sheets: list[tabular.Sheet], bad: set[tuple[str, int]]) -> list[tabular.Sheet]:
    """The good rows as sheets of at most WANGGE_IMPORT_BATCH_ROWS rows, in writing order
    (buildings, houses, households, residents: each refers only to the kinds before it)."""
    size = max(1, settings.WANGGE_IMPORT_BATCH_ROWS)
    out = []
    for kind in tabular.ORDER:
        for sheet in sheets:
            if sheet.kind != kind:
                continue
            good = [(n, values) for n, values in sheet.rows if (sheet.name, n) not in bad]
            for i in range(0, len(good), size):
                out.append(tabular.Sheet(sheet.name, kind, sheet.headers, good[i : i + size]))
    return out


def _handle(run: _Run, sheet: tabular.Sheet) -> None:
    {
        "building": run.buildings,
        "house": run.houses,
        "household": run.households,
        "resident": run.residents,
    }[str(sheet.kind)](sheet)


def import_file(  # noqa: C901
    *,
    actor: Actor,
    data: bytes,
    file_name: str,
    mode: str = "all",
    ip: str = "",
    progress: Callable[[int, int], None] | None = None,
    record: ImportRun | None = None,
) -> ImportResult:
    """Check the whole file, writing nothing; then (depending on `mode` and the problems
    found) write its good rows in batches, each its own transaction. `progress(done, total)`
    is called after each batch with the rows written so far. `record`: the ImportRun of a
    job (people.imports.jobs) to fill, else one is made when writing starts."""
    if mode not in ("all", "valid"):
        raise ValueError(mode)
    result = ImportResult(mode=mode)
    try:
        sheets = tabular.read_file(data, file_name)
    except Exception:
        result.problems.append(
            RowProblem(file_name, 0, "", _("This file cannot be read as xlsx or CSV."))
        )
        return result
    usable = [s for s in sheets if s.kind is not None]
    for s in sheets:
        if s.kind is None and s.rows:
            result.problems.append(
                RowProblem(s.name, 1, "", _("The headers do not match any template sheet."))
            )
    if not usable and not result.problems:
        result.problems.append(RowProblem(file_name, 0, "", _("The file has no rows.")))
    check = _Run(actor, mode, result, dry=True)
    for sheet in usable:
        _refuse_unstorable_cells(sheet, check)
    for kind in tabular.ORDER:
        for sheet in usable:
            if sheet.kind == kind:
                _handle(check, sheet)
    if result.problems and mode == "all":
        return result  # nothing written: the counts say what would have happened
    # Write the good rows, a batch a transaction.
    batches = _batches(usable, {(p.sheet, p.row) for p in result.problems})
    total = sum(len(b.rows) for b in batches)
    written = ImportResult(mode=mode)
    run = _Run(actor, mode, written)
    if record is None:
        record = ImportRun.objects.create(
            file_name=file_name[:300],
            sha256=hashlib.sha256(data).hexdigest(),
            mode=mode,
            rows=result.rows,
            rows_total=total,
            rejected=result.total("rejected"),
            committed=False,
            state="running",
            by=author(actor),
        )
    else:  # a job's, (re)started: its counts are this run's
        ImportRun.objects.filter(pk=record.pk).update(
            rows=result.rows,
            rows_total=total,
            rejected=result.total("rejected"),
            position=0,
            created=0,
            updated=0,
            unchanged=0,
            updated_at=timezone.now(),
        )
    done = 0
    for i, batch in enumerate(batches):
        if i and settings.WANGGE_IMPORT_BATCH_PAUSE > 0:
            time.sleep(settings.WANGGE_IMPORT_BATCH_PAUSE)  # a waiting writer's turn (SQLite)
        with transaction.atomic():
            _handle(run, batch)
            if run.updated_residents:
                audit.record_many(
                    actor,
                    [
                        audit.Entry(
                            "update",
                            "resident",
                            pk,
                            label,
                            detail={"fields": fields, "import": record.pk},
                        )
                        for pk, label, fields in run.updated_residents
                    ],
                    ip=ip,
                )
            run.updated_residents.clear()
            done += len(batch.rows)
            ImportRun.objects.filter(pk=record.pk).update(
                position=done,
                created=written.total("created"),
                updated=written.total("updated"),
                unchanged=written.total("unchanged"),
                updated_at=timezone.now(),
            )
        if progress is not None:
            progress(done, total)
    for kind, counts in result.counts.items():  # the rows written; the check's rejected
        w = written.counts.get(kind, Counts())
        counts.created, counts.updated, counts.unchanged = w.created, w.updated, w.unchanged
    with transaction.atomic():
        ImportRun.objects.filter(pk=record.pk).update(
            committed=True,
            state="done",
            updated_at=timezone.now(),
            created=result.total("created"),
            updated=result.total("updated"),
            unchanged=result.total("unchanged"),
        )
        record.refresh_from_db()
        audit.record_many(
            actor,
            [
                audit.Entry(
                    "import",
                    "importrun",
                    record.pk,
                    file_name[:200],
                    detail={
                        "sha256": record.sha256,
                        "mode": mode,
                        "counts": {k: vars(c) for k, c in result.counts.items()},
                        "created": {k: [min(v), max(v)] for k, v in run.created_ids.items() if v},
                    },
                )
            ],
            ip=ip,
        )
    result.committed = True
    result.run = record
    return result
