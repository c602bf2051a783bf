"""Issue 9 item 6: pages for accounts, units, role assignment, the audit trail and one's own
password (TestClient on the seeded site; the browser tests take their screenshots)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def as_user(app, login):
    def make(username, password=None):
        c = TestClient(app)
        r = login(c, username, password)
        assert r.status_code == 303, r.text
        return c

    return make


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_admin_creates_an_account_assigns_a_role_and_it_is_audited(as_user):
    admin = as_user("admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and 'id="accounts"' in page.text and "pingcheng" in page.text
    r = admin.post("/admin/users", data={"username": "lingqiu_liaison", "display_name": "灵丘县 联络员",
                                         "role": "unit", "unit": "", "password": "lingqiu-pass-1",
                                         "csrf_token": _csrf(page.text)})
    assert r.status_code == 422 and "必须指定所属单位" in r.text and "灵丘县 联络员" in r.text  # typed text kept
    unit_id = re.search(r'<option value="(\d+)" >灵丘县</option>', r.text).group(1)
    r = admin.post("/admin/users", data={"username": "lingqiu_liaison", "display_name": "灵丘县 联络员",
                                         "role": "unit", "unit": unit_id, "password": "lingqiu-pass-1",
                                         "csrf_token": _csrf(page.text)}, follow_redirects=True)
    assert r.status_code == 200 and "已开通账户「lingqiu_liaison」" in r.text
    uid = re.search(r'href="/admin/users/(\d+)">修改</a> · <a href="/admin/audit\?user_id=\d+">操作记录</a></td>\s*</tr>\s*</tbody>', r.text).group(1)
    edit = admin.get(f"/admin/users/{uid}").text
    r = admin.post(f"/admin/users/{uid}", data={"display_name": "灵丘县 联络员", "role": "leader", "unit": "",
                                                "active": "1", "csrf_token": _csrf(edit)}, follow_redirects=True)
    assert "已保存" in r.text and 'selected>领导' in r.text.replace('value="leader" ', "")
    audit = admin.get("/admin/audit?object_type=user&object_id=" + uid).text
    assert "新建账户" in audit and "修改账户" in audit
    # field-level before/after of the role change
    assert re.search(r"<td>role</td><td class=\"before\">unit</td><td class=\"after\">leader</td>", audit)


def test_the_last_administrator_is_protected_on_the_page(as_user):
    admin = as_user("admin")
    users = admin.get("/admin/users").text
    uid = re.search(r'<tr class="account-row" data-username="admin">.*?href="/admin/users/(\d+)"', users, re.S).group(1)
    edit = admin.get(f"/admin/users/{uid}").text
    r = admin.post(f"/admin/users/{uid}", data={"display_name": "系统管理员", "role": "staff", "unit": "", "active": "1",
                                                "csrf_token": _csrf(edit)})
    assert r.status_code == 422 and "最后一个有效的系统管理员" in r.text


def test_units_page_creates_and_renames(as_user):
    admin = as_user("admin")
    page = admin.get("/admin/units").text
    r = admin.post("/admin/units", data={"code": "D-TEST9", "name": "大同市测试局", "kind": "department",
                                         "csrf_token": _csrf(page)}, follow_redirects=True)
    assert "已新建单位「大同市测试局」" in r.text
    r = admin.post("/admin/units", data={"code": "D-TEST9", "name": "重复", "kind": "department",
                                         "csrf_token": _csrf(page)})
    assert r.status_code == 409 and "已存在" in r.text


def test_audit_page_searches_by_user_request_and_time(as_user):
    admin = as_user("admin")
    html = admin.get("/admin/audit?username=admin&action=login").text
    assert 'id="audit-records"' in html and "登录" in html and "共 " in html
    rows = re.findall(r'<tr class="audit-row">', html)
    assert rows
    rid = re.search(r'href="/admin/audit\?request_id=([0-9a-f]{32})"', html).group(1)
    one = admin.get(f"/admin/audit?request_id={rid}").text
    assert len(re.findall(r'<tr class="audit-row">', one)) >= 1
    future = admin.get("/admin/audit?since=2100-01-01T00:00").text
    assert "没有符合条件的审计记录" in future
    bad = admin.get("/admin/audit?since=yesterday")
    assert bad.status_code == 422 and "格式应为" in bad.text
    # leaders read it too, units may not
    assert as_user("leader").get("/admin/audit").status_code == 200
    assert as_user("pingcheng").get("/admin/audit", headers={"accept": "text/html"}).status_code == 403
    assert as_user("leader").get("/admin/users", headers={"accept": "text/html"}).status_code == 403


def test_change_own_password_on_the_page(app, login, site):
    c = TestClient(app)
    assert login(c, "shuiwu").status_code == 303
    form = c.get("/account/password").text
    r = c.post("/account/password", data={"current_password": "wrong", "new_password": "shuiwu-new-pass-1",
                                          "confirm_password": "shuiwu-new-pass-1", "csrf_token": _csrf(form)})
    assert r.status_code == 403 and "当前密码不正确" in r.text
    r = c.post("/account/password", data={"current_password": site.passwords["shuiwu"],
                                          "new_password": "shuiwu-new-pass-1", "confirm_password": "shuiwu-new-pass-1",
                                          "csrf_token": _csrf(form)}, follow_redirects=True)
    assert "密码已修改" in r.text
    assert login(TestClient(app), "shuiwu", "shuiwu-new-pass-1").status_code == 303
    # put it back for the other tests of the session
    form = c.get("/account/password").text
    c.post("/account/password", data={"current_password": "shuiwu-new-pass-1", "new_password": site.passwords["shuiwu"],
                                      "confirm_password": site.passwords["shuiwu"], "csrf_token": _csrf(form)})
