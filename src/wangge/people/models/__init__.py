"""The people app's models, defined in its sub-packages and gathered here so Django registers
them under the app label `people` (and `from wangge.people.models import X` keeps working)."""

from wangge.people.imports.models import ImportRun
from wangge.people.party.models import PartyBranch, PartyMember, PartyReportIn
from wangge.people.places.models import (
    Building,
    Facility,
    HazardPoint,
    House,
    HouseUse,
    Located,
    Organization,
    OrganizationKind,
)
from wangge.people.residents.models import (
    Household,
    IdType,
    Relation,
    Residence,
    ResidenceType,
    Resident,
    ResidentStatus,
    ResidentTag,
    Sex,
    TagGrant,
    TagKind,
)

__all__ = [
    "Building",
    "Facility",
    "HazardPoint",
    "House",
    "HouseUse",
    "Household",
    "IdType",
    "ImportRun",
    "Located",
    "Organization",
    "OrganizationKind",
    "PartyBranch",
    "PartyMember",
    "PartyReportIn",
    "Relation",
    "Residence",
    "ResidenceType",
    "Resident",
    "ResidentStatus",
    "ResidentTag",
    "Sex",
    "TagGrant",
    "TagKind",
]
