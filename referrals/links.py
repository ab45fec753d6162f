"""The tokens of shortlist links.

A token is the HMAC-SHA256 of the link row's id and its salt (32 random bytes from
`secrets`), keyed by a key derived from SECRET_KEY: 256 bits, written in URL-safe base64
(43 characters). Guessing one means guessing 256 bits; reading the database is not enough
either, since only the token's SHA-256 digest is stored and computing the token needs the
secret key. The worker that sends the SMS computes it again from the row, so no token
travels through the broker or sits in the database. Changing SECRET_KEY voids every link.
"""

import base64
import hashlib
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

KEY_SALT = "relier.referrals.shortlist-link"
TOKEN_LENGTH = 43  # 32 bytes of HMAC-SHA256 in base64url, without padding


def new_salt() -> str:
    return secrets.token_hex(32)


def token_for(*, link_id: int, salt: str) -> str:
    digest = salted_hmac(KEY_SALT, f"{link_id}:{salt}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in token
    )


def matches(*, token: str, link_id: int, salt: str) -> bool:
    return constant_time_compare(token, token_for(link_id=link_id, salt=salt))
