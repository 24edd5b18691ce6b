"""How a document's URL is shown to people: decoded, and a local file as its path on the server."""

from darien.contract import published_name, shown_url


def test_a_web_url_is_decoded_and_a_local_file_is_its_path():
    web = "https://www.migracion.gob.pa/images/img2023/pdf/TR%C3%81NSITO_IRREGULAR_POR_DARI%C3%89N.pdf"
    local = "file:///srv/snm/TR%C3%81NSITO_IRREGULAR_POR_DARI%C3%89N.pdf"

    assert shown_url(web) == "https://www.migracion.gob.pa/images/img2023/pdf/TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf"
    assert shown_url(local) == "/srv/snm/TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf"
    assert shown_url("file:///srv/snm/a.pdf#2022.pdf") == "/srv/snm/a.pdf#2022.pdf"
    assert published_name(local) == "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf"
