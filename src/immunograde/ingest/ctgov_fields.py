"""The parts of a ClinicalTrials.gov API v2 study object that :mod:`.ctgov_map` reads, as a type.

A study with posted results is mostly text the mapping never reads (baseline characteristics,
adverse events, participant flow, eligibility, descriptions): decoding it all into Python objects
was the largest cost of a bulk import.  :func:`project` decodes a JSON document into dicts holding
only the keys declared below (msgspec skips the rest without building objects for them); the
mapping then sees exactly the values a full decode would give it for every key it reads.

Equivalence with a full decode (tests/ingest/test_ctgov_fields.py):

- every key the mapper reads is declared (checked by running the mapper on recording dicts);
- leaves accept any JSON value (the mapper sees it as decoded), the containers the mapper enters
  are typed; a document whose shape differs (a module that is ``null`` or a list, a study that is
  not an object, a top-level array) does not validate and is decoded whole instead, so the mapper
  meets it exactly as before and reports the same error or skip;
- anything msgspec rejects or might read differently from the full decoder (invalid JSON, invalid
  UTF-8 anywhere in the document, an integer outside 64 bits in a value the mapper reads) is
  decoded whole by :func:`.ctgov_docs._decode`, which names the file and line of a JSON error.
  One difference is left: an integer outside 64 bits nested three lists deep inside a value the
  mapper reads (orjson reads it as a float, msgspec as an integer); no registry field has that
  shape.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict, Union

import msgspec

#: integers the full decoder (orjson) also reads as integers; it reads longer ones as floats,
#: so a document holding one is decoded whole
_Int = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
_Inner = Union[str, float, bool, None, _Int, list[Any], dict[str, Any]]  # noqa: UP007
_Scalar = Union[str, float, bool, None, _Int, list[_Inner], dict[str, _Inner]]  # noqa: UP007
#: a value the mapper reads: a scalar, or lists / objects of them (integers checked three deep)
_Value = Union[str, float, bool, None, _Int, list[_Scalar], dict[str, _Scalar]]  # noqa: UP007


class _Date(TypedDict, total=False):
    date: _Value


class _Ident(TypedDict, total=False):
    nctId: _Value
    briefTitle: _Value
    officialTitle: _Value
    acronym: _Value


class _Status(TypedDict, total=False):
    overallStatus: _Value
    startDateStruct: _Date
    primaryCompletionDateStruct: _Date
    completionDateStruct: _Date


_Sponsor = TypedDict("_Sponsor", {"name": _Value, "class": _Value}, total=False)


class _Sponsors(TypedDict, total=False):
    leadSponsor: _Sponsor
    collaborators: list[_Sponsor]


class _Conditions(TypedDict, total=False):
    conditions: _Value


class _Masking(TypedDict, total=False):
    masking: _Value


class _DesignInfo(TypedDict, total=False):
    allocation: _Value
    interventionModel: _Value
    primaryPurpose: _Value
    maskingInfo: _Masking


class _Enrollment(TypedDict, total=False):
    count: _Value
    type: _Value


class _Design(TypedDict, total=False):
    studyType: _Value
    phases: _Value
    designInfo: _DesignInfo
    enrollmentInfo: _Enrollment


class _Arm(TypedDict, total=False):
    label: _Value
    type: _Value
    description: _Value
    interventionNames: _Value


class _Intervention(TypedDict, total=False):
    type: _Value
    name: _Value
    otherNames: _Value
    armGroupLabels: _Value


class _ArmsInterventions(TypedDict, total=False):
    armGroups: list[_Arm]
    interventions: list[_Intervention]


class _Location(TypedDict, total=False):
    country: _Value


class _Locations(TypedDict, total=False):
    locations: list[_Location]


class _Protocol(TypedDict, total=False):
    identificationModule: _Ident
    statusModule: _Status
    sponsorCollaboratorsModule: _Sponsors
    conditionsModule: _Conditions
    designModule: _Design
    armsInterventionsModule: _ArmsInterventions
    contactsLocationsModule: _Locations


class _Mesh(TypedDict, total=False):
    term: _Value


class _Leaf(TypedDict, total=False):
    name: _Value
    relevance: _Value


class _InterventionBrowse(TypedDict, total=False):
    meshes: list[_Mesh]
    ancestors: list[_Mesh]
    browseLeaves: list[_Leaf]


class _ConditionBrowse(TypedDict, total=False):
    meshes: list[_Mesh]
    ancestors: list[_Mesh]


class _Derived(TypedDict, total=False):
    interventionBrowseModule: _InterventionBrowse
    conditionBrowseModule: _ConditionBrowse


class _Group(TypedDict, total=False):
    id: _Value
    title: _Value


class _Count(TypedDict, total=False):
    groupId: _Value
    value: _Value


class _Denom(TypedDict, total=False):
    units: _Value
    counts: list[_Count]


class _Measurement(TypedDict, total=False):
    groupId: _Value
    value: _Value
    spread: _Value
    lowerLimit: _Value
    upperLimit: _Value


class _Category(TypedDict, total=False):
    title: _Value
    measurements: list[_Measurement]


class _Class(TypedDict, total=False):
    title: _Value
    categories: list[_Category]


class _Analysis(TypedDict, total=False):
    groupIds: _Value
    paramType: _Value
    paramValue: _Value
    ciPctValue: _Value
    ciNumSides: _Value
    ciLowerLimit: _Value
    ciUpperLimit: _Value
    pValue: _Value
    statisticalMethod: _Value
    nonInferiorityType: _Value
    dispersionType: _Value
    dispersionValue: _Value


class _OutcomeMeasure(TypedDict, total=False):
    type: _Value
    title: _Value
    timeFrame: _Value
    unitOfMeasure: _Value
    paramType: _Value
    dispersionType: _Value
    groups: list[_Group]
    denoms: list[_Denom]
    classes: list[_Class]
    analyses: list[_Analysis]


class _OutcomeMeasures(TypedDict, total=False):
    outcomeMeasures: list[_OutcomeMeasure]


class _Results(TypedDict, total=False):
    outcomeMeasuresModule: _OutcomeMeasures


class Study(TypedDict, total=False):
    """A study object (or an API page, whose ``studies`` are studies) as the mapping reads it."""

    protocolSection: _Protocol
    hasResults: _Value
    derivedSection: _Derived
    resultsSection: _Results
    studies: list[Study]


_decoder = msgspec.json.Decoder(Study)


def project(data: bytes) -> Any | None:
    """The document with only the keys the mapping reads, or None: decode it whole instead."""
    try:
        if not data.isascii():
            data.decode("utf-8")  # invalid UTF-8 anywhere is an error, as in a full decode
        return _decoder.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
