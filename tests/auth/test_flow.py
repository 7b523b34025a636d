"""The whole path a new user takes: register, sign in, see their page, sign out."""


def test_register_sign_in_user_page_sign_out(client, auth):
    # Registering signs the new account in, with a welcome on its page.
    assert auth.register().headers["Location"] == "/user"
    page = client.get("/user").get_data(as_text=True)
    assert "Welcome, alice. Your account is ready and you are signed in." in page
    assert "This is your first sign-in." in page
    assert auth.logout().headers["Location"] == "/"
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/user"
    page = client.get("/user").get_data(as_text=True)
    assert "Signed in as alice." in page
    assert "This is your first sign-in." not in page
    assert auth.logout().headers["Location"] == "/"
    assert client.get("/user").status_code == 302
