"""OpenAPI links: which answer's ids the next calls take (registration -> application,
purchase -> rating, complaint -> review and answer, wave -> closure and draw, client ->
token and revocation).

Links document the API's workflows for integrators, and stateful testers
(schemathesis) follow them to chain calls the way a client does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

APPLICATION = "$response.body#/application_id"
SAME_APPLICATION = "$request.path.application_id"


@dataclass(frozen=True, slots=True)
class Link:
    """One link: after ``source`` answers ``status``, ``target`` can be called with
    ``parameters`` (and ``body``) taken from that answer or its request."""

    name: str
    source: tuple[str, str]
    status: str
    target: tuple[str, str]
    description: str
    parameters: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


#: What an application's id opens: link name -> (target, description).
UNDER_APPLICATION: dict[str, tuple[tuple[str, str], str]] = {
    "GetApplication": (("get", "/applications/{application_id}"), "The application's record"),
    "GetTimeline": (("get", "/applications/{application_id}/timeline"), "The application's history"),
    "GetVoucher": (("get", "/applications/{application_id}/voucher"), "The voucher and its balance"),
    "ListPurchases": (("get", "/applications/{application_id}/purchases"), "Courses bought"),
    "BuyCourse": (("post", "/applications/{application_id}/purchases"), "Buy a course with the voucher"),
    "ListPaymentAccounts": (("get", "/applications/{application_id}/payment-accounts"), "Payment accounts"),
    "AddPaymentAccount": (("post", "/applications/{application_id}/payment-accounts"), "Name an account"),
    "ListComplaints": (("get", "/applications/{application_id}/grievances"), "The application's complaints"),
    "FileComplaint": (("post", "/applications/{application_id}/grievances"), "File a complaint"),
    "AnswerSurvey": (("post", "/applications/{application_id}/surveys/{survey}"), "Answer a survey"),
    "RevokeApplication": (("post", "/applications/{application_id}/revocation"), "Revoke (officers)"),
}

#: What a wave's number opens, in the order of the wave's steps.
WAVE_STEPS: dict[str, tuple[str, str]] = {
    "CloseWave": ("/waves/{number}/closure", "Close the wave's registrations"),
    "AllocateQuotas": ("/waves/{number}/quotas", "Share the wave's places among regions"),
    "DrawWave": ("/waves/{number}/draw", "Draw the wave's lottery"),
}


def _from(
    source: tuple[str, str], status: str, opens: dict[str, tuple[str, str]], parameters: dict[str, str]
) -> list[Link]:
    """Links from one answer to each of the ``opens`` targets, with the same parameters."""
    return [
        Link(name, source, status, ("post", path), description, parameters)
        for name, (path, description) in opens.items()
    ]


LINKS: tuple[Link, ...] = (
    *(
        Link(name, ("post", "/registrations"), "201", target, description, {"application_id": APPLICATION})
        for name, (target, description) in UNDER_APPLICATION.items()
    ),
    Link(
        "RefreshToken",
        ("post", "/registrations"),
        "201",
        ("post", "/auth/token"),
        "The applicant trades the refresh token for new tokens",
        body={"grant_type": "refresh_token", "refresh_token": "$response.body#/refresh_token"},
    ),
    Link(
        "GetListedApplication",
        ("get", "/applications"),
        "200",
        ("get", "/applications/{application_id}"),
        "The first application of the page",
        {"application_id": "$response.body#/items/0/id"},
    ),
    Link(
        "RatePurchase",
        ("post", "/applications/{application_id}/purchases"),
        "201",
        ("post", "/applications/{application_id}/purchases/{purchase_id}/rating"),
        "Rate the course once completed",
        {"application_id": SAME_APPLICATION, "purchase_id": "$response.body#/id"},
    ),
    Link(
        "ListPurchases",
        ("post", "/applications/{application_id}/purchases"),
        "201",
        ("get", "/applications/{application_id}/purchases"),
        "The purchase among the application's purchases",
        {"application_id": SAME_APPLICATION},
    ),
    Link(
        "RedeemCode",
        ("post", "/applications/{application_id}/purchases"),
        "201",
        ("post", "/redemptions"),
        "The provider redeems the code the beneficiary brings",
        body={"codes": ["$response.body#/redeem_code"]},
    ),
    Link(
        "GetComplaint",
        ("post", "/applications/{application_id}/grievances"),
        "201",
        ("get", "/applications/{application_id}/grievances/{grievance_id}"),
        "The complaint and its answer once given",
        {"application_id": APPLICATION, "grievance_id": "$response.body#/id"},
    ),
    Link(
        "TakeUpComplaint",
        ("post", "/applications/{application_id}/grievances"),
        "201",
        ("post", "/grievances/{grievance_id}/review"),
        "An officer takes the complaint up",
        {"grievance_id": "$response.body#/id"},
    ),
    Link(
        "TakeUpListedComplaint",
        ("get", "/grievances"),
        "200",
        ("post", "/grievances/{grievance_id}/review"),
        "An officer takes up the first complaint of the page",
        {"grievance_id": "$response.body#/items/0/id"},
    ),
    Link(
        "AnswerComplaint",
        ("post", "/grievances/{grievance_id}/review"),
        "200",
        ("post", "/grievances/{grievance_id}/answer"),
        "The officer answers the complaint taken up",
        {"grievance_id": "$response.body#/id"},
    ),
    Link(
        "GetAnsweredComplaint",
        ("post", "/grievances/{grievance_id}/answer"),
        "200",
        ("get", "/applications/{application_id}/grievances/{grievance_id}"),
        "The answered complaint as its applicant sees it",
        {"application_id": APPLICATION, "grievance_id": "$response.body#/id"},
    ),
    *_from(("post", "/waves"), "201", WAVE_STEPS, {"number": "$response.body#/number"}),
    *_from(
        ("post", "/waves/{number}/closure"),
        "200",
        {k: v for k, v in WAVE_STEPS.items() if k != "CloseWave"},
        {"number": "$response.body#/number"},
    ),
    Link(
        "DrawAllocatedWave",
        ("post", "/waves/{number}/quotas"),
        "200",
        ("post", "/waves/{number}/draw"),
        "Draw the lottery once places are shared",
        {"number": "$request.path.number"},
    ),
    Link(
        "CompleteCourse",
        ("post", "/applications/{application_id}/purchases"),
        "201",
        ("post", "/completions"),
        "The provider reports the course completed",
        body={"items": [{"purchase_id": "$response.body#/id"}]},
    ),
    Link(
        "AuditTrail",
        ("post", "/registrations"),
        "201",
        ("get", "/audit-events"),
        "The audit trail of the new application",
        {"entity_id": APPLICATION},
    ),
    Link(
        "RevocationAuditTrail",
        ("post", "/applications/{application_id}/revocation"),
        "200",
        ("get", "/audit-events"),
        "The audit trail of the revoked application",
        {"entity_id": SAME_APPLICATION},
    ),
    Link(
        "IssueVouchers",
        ("post", "/waves/{number}/draw"),
        "200",
        ("post", "/steps/{step}"),
        "Issue the vouchers of those drawn",
        {"step": "voucher-issue"},
    ),
    Link(
        "FunnelAfterDraw",
        ("post", "/waves/{number}/draw"),
        "200",
        ("get", "/reports/funnel"),
        "The programme's funnel after the draw",
    ),
    Link(
        "FunnelAfterStep",
        ("post", "/steps/{step}"),
        "200",
        ("get", "/reports/funnel"),
        "The programme's funnel after a batch step",
    ),
    Link(
        "VerifyLedgerAfterPayouts",
        ("post", "/payout-runs"),
        "200",
        ("post", "/ledger/verification"),
        "Check the ledger after money moved",
    ),
    Link(
        "ListCatalogue",
        ("post", "/courses"),
        "201",
        ("get", "/courses"),
        "The catalogue, now listing the course",
    ),
    Link(
        "RevokeClient",
        ("post", "/clients"),
        "201",
        ("post", "/clients/{client_id}/revocation"),
        "Revoke the new client",
        {"client_id": "$response.body#/client_id"},
    ),
    Link(
        "GetClientToken",
        ("post", "/clients"),
        "201",
        ("post", "/auth/token"),
        "A staff client trades its credentials for a token",
        body={
            "grant_type": "client_credentials",
            "client_id": "$response.body#/client_id",
            "client_secret": "$response.body#/secret",
        },
    ),
)


def add_links(schema: dict[str, Any], prefix: str, links: tuple[Link, ...] = LINKS) -> dict[str, Any]:
    """Write ``links`` into the OpenAPI ``schema`` (paths under ``prefix``); a link whose
    source or target the document lacks is a programming error (``KeyError``)."""
    paths = schema["paths"]
    for link in links:
        method, path = link.target
        target = paths[prefix + path][method]
        definition: dict[str, Any] = {"operationId": target["operationId"], "description": link.description}
        if link.parameters:
            definition["parameters"] = dict(link.parameters)
        if link.body is not None:
            definition["requestBody"] = link.body
        method, path = link.source
        response = paths[prefix + path][method]["responses"][link.status]
        response.setdefault("links", {})[link.name] = definition
    return schema
