"""A ministry's look without a fork: a deployment's templates and static files, and the
templates a plugin offers, win over the core's."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from skillsprogram.api import create_app
from skillsprogram.config import ProgrammeConfig
from skillsprogram.context import ProgrammeContext
from skillsprogram.plugin import hookimpl
from tests.api.conftest import api_settings


class MinistryLook:
    """A country plugin that offers its own header partial."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def skillsprogram_portal_templates(self, programme: ProgrammeConfig) -> list[Path]:
        return [self.folder]


def portal(ctx: ProgrammeContext, **settings: object) -> TestClient:
    return TestClient(create_app(api_settings(**settings), context=ctx), raise_server_exceptions=False)


def test_a_plugins_template_wins_over_the_cores(ctx: ProgrammeContext, tmp_path: Path) -> None:
    (tmp_path / "theme.html").write_text('<a class="brand" href="/">Ministry of Labour (plugin)</a>')
    ctx.pm.register(MinistryLook(tmp_path))
    home = portal(ctx).get("/")
    assert "Ministry of Labour (plugin)" in home.text
    assert "Register" in home.text  # the rest of the page is still the core's


def test_a_deployments_template_wins_over_a_plugins(ctx: ProgrammeContext, tmp_path: Path) -> None:
    plugin, deployment = tmp_path / "plugin", tmp_path / "deployment"
    plugin.mkdir()
    deployment.mkdir()
    (plugin / "theme.html").write_text("<span>from the plugin</span>")
    (deployment / "theme.html").write_text("<span>from the deployment</span>")
    ctx.pm.register(MinistryLook(plugin))
    home = portal(ctx, portal_templates=deployment).get("/")
    assert "from the deployment" in home.text
    assert "from the plugin" not in home.text


def test_a_deployments_static_files_come_before_the_cores(ctx: ProgrammeContext, tmp_path: Path) -> None:
    (tmp_path / "theme.css").write_text(":root { --brand: #7a1f2b; }")
    (tmp_path / "ministry-logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    client = portal(ctx, portal_static=tmp_path)
    assert client.get("/static/theme.css").text == ":root { --brand: #7a1f2b; }"
    assert client.get("/static/ministry-logo.svg").status_code == 200
    assert "--brand" in client.get("/static/portal.css").text  # the core's still served


def test_without_a_deployment_theme_the_cores_empty_theme_is_served(ctx: ProgrammeContext) -> None:
    answer = portal(ctx).get("/static/theme.css")
    assert answer.status_code == 200
    assert "--brand:" not in answer.text


def test_the_api_alone_serves_no_page(ctx: ProgrammeContext) -> None:
    client = portal(ctx, portal=False)
    assert client.get("/").status_code == 404
    assert client.get("/register").headers["content-type"].startswith("application/problem+json")
