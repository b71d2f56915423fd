"""Fiks IO, KS's message channel between fagsystem and sakarkiv, in Python.

Written from KS's protocol as its own clients implement it (ks-no/fiks-io-klient-java,
fiks-io-client-dotnet, fiks-io-send-klient, fiks-io-asice-handler), on maintained libraries:

- `maskinporten.py`: the JWT grant (scope ks:fiks) signed with the municipality's key;
- `catalog.py`: the Fiks IO catalogue (an account, its public key);
- `container.py`: the payload, an ASiC-E zip (CAdES-signed manifest) encrypted as CMS
  enveloped data for the receiving account's certificate, and the way back;
- `client.py`: the send API (multipart: metadata JSON + data);
- `receiver.py`: our account's AMQP queue, where the archive's replies arrive;
- `sender.py`: the outbox sender that journalfører (bot/delivery.py's Router picks it).

Settings in `config.py`; without FIKS_ARKIV_ACCOUNT none of this is loaded.
"""
