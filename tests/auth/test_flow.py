"""The whole path a new user takes: register, sign in, see their page, sign out."""


def test_register_sign_in_user_page_sign_out(client, auth):
    assert auth.register().headers["Location"] == "/auth/login"
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/user"
    page = client.get("/user").get_data(as_text=True)
    assert "alice" in page
    assert "This is your first sign-in." in page
    assert auth.logout().headers["Location"] == "/"
    assert client.get("/user").status_code == 302
