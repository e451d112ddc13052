"""Fake credentials for the scanner tests, assembled at run time so repository secret scanners stay quiet."""

from __future__ import annotations

import base64

import orjson

KEY_ID = "AKIA" + "Q3EGRZLNW5XKT7PM"
TEMP_KEY_ID = "ASIA" + "VZ4KQ7NRM2XTPLW6"
SECRET_KEY = "kT8vQz3RmW1pXy7LdN5b" + "C2hJ9fGsA4eU6oI0rVtx"
GITHUB_TOKEN = "ghp" + "_" + "x7Kq2Lm9Pz4Rt6Vb1Nc8Dw3Fh5Jk0Ys2Ua7E"
GITLAB_TOKEN = "glpat" + "-" + "Zx81kQm2Rt7Pv4Ln9Bc3"
BEDROCK_KEY = "ABSK" + base64.b64encode(b"BedrockAPIKey-3kq9-at-111122223333:c2VjcmV0LXBhcnQtb2YtdGhlLWtleQ==").decode()
SHORT_TERM_BEDROCK_KEY = "bedrock-api-key-" + base64.b64encode(
    b"bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256").decode()

ANTHROPIC_KEY = "sk-ant-" + "api03-" + "Qm7Vx2Lp9Rt4Nc8Bw3Fh5Jk0Ys2Ua7EzT6gH1dK" * 2 + "R2d2C3p0bEeP" + "AA"
OPENAI_KEY = "sk-" + "proj-" + "Xq4Lm8Rt2Vb6Nc0Dw9Fh" + "T3Blbk" + "FJ" + "Zy7Kp3Ws5Gt1Hj8Ue2Ma"
HUGGING_FACE_TOKEN = "hf" + "_" + "QmVxLpRtNcBwFhJkYsUaEzTgHdKrWqPoIu"
GOOGLE_KEY = "AI" + "za" + "SyB4x9Kq2Lm7Pz3Rt6Vb1Nc8Dw5Fh0Jk2Yq"
SLACK_TOKEN = "xo" + "xb-" + "2384910572-4820193847561-" + "Tq8Vz2Lm9Rp4Xk7Wn3Bc5Hd"


def _b64url(obj: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(obj)).decode().rstrip("=")


JWT = ".".join([_b64url({"alg": "HS256", "typ": "JWT"}), _b64url({"sub": "u-42", "iat": 1741083302}),
                "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"])
PEM = ("-----BEGIN " + "RSA PRIVATE KEY-----\n"
       "MIIEowIBAAKCAQEAz3vbQeXk5W0sN1uK7cRvL2m4yT8pJ6qH9dF3gA1bC5eE7iI0\n"
       "oO2uU4wW6yY8zZ1xX3vV5tT7rR9pP0nN2lL4jJ6hH8fF0dD2bB4cC6eE8gG0iI2k\n"
       "-----END RSA PRIVATE KEY-----")
