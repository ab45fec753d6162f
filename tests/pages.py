"""Reading a cursor-paginated list whole, as an app scrolling to its end does."""

SEARCH_URL = "/api/v1/activities/"


def all_ids(client, params: dict, url: str = SEARCH_URL) -> list[int]:
    """Every result id, following the cursor pages (100 a page); each page must be a 200."""
    ids, query = [], {"page_size": 100, **params}
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [item["id"] for item in body["results"]]
        url, query = body["next"], None
    return ids
