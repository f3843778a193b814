"""The scripted household the tests and the offline stack share: one plex.tv emulator and
one PMS emulator that agree on who may use the server with which token.

Members: the owner (Alice, her server token is the PMS's owner token, PMS account 1), a
Plex Home member (Bob), a managed profile (Kid), a friend the server is shared with
(Carol), and a Plex Home member without access to this server (Dave). Each member with
access gets a server access token registered with the PMS emulator under their plex.tv id.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes.plex.server import PlexEmulator
from tests.fakes.plextv.server import PlexTvEmulator, TvAccount


@dataclass
class Household:
    """The emulators and the scripted members (see the module docstring)."""

    tv: PlexTvEmulator
    pms: PlexEmulator
    owner: TvAccount
    home: TvAccount
    managed: TvAccount
    friend: TvAccount
    no_access: TvAccount

    @property
    def with_access(self) -> list[TvAccount]:
        """The members who may use the server, in plex.tv's order (owner first)."""
        return [self.owner, self.home, self.managed, self.friend]

    def pms_account_id(self, acc: TvAccount) -> int:
        """The accountID PMS files ``acc``'s plays under (1 for the owner)."""
        return 1 if acc.kind == "owner" else acc.id

    def grant(self, acc: TvAccount, server_token: str) -> None:
        """Share the server with ``acc`` (plex.tv and PMS both learn the token)."""
        acc.server_token = server_token
        self.pms.register_account(server_token, acc.id, acc.title)

    def rotate_token(self, acc: TvAccount, new_token: str) -> None:
        """Issue ``acc`` a new server access token: the old one answers 401 from now on, the
        account (and its playlists) stays (PMS playlists belong to the account: Maintainerr
        issue #1058; a token is revoked e.g. by "sign out of all devices" on plex.tv)."""
        if acc.server_token:
            self.pms.unregister_token(acc.server_token)
        self.grant(acc, new_token)

    def revoke(self, acc: TvAccount) -> None:
        """Stop sharing the server with ``acc``: plex.tv forgets the share, PMS the token."""
        if acc.server_token:
            self.pms.unregister_token(acc.server_token)
        self.tv.remove_account(acc)


def build_household(pms: PlexEmulator, *, seed: int = 0, now=None) -> Household:
    """Start a plex.tv emulator for ``pms`` (already started) with the scripted members;
    the caller stops ``household.tv``."""
    tv = PlexTvEmulator(pms.machine_identifier, server_name=pms.friendly_name, server_url=pms.url,
                        seed=seed, now=now).start()
    # The owner's X-Plex-Token is her plex.tv account token, valid on her own server too.
    owner = tv.add_account("owner", title="Alice", username="alice", server_token=pms.token, token=pms.token)
    home = tv.add_account("home", title="Bob", username="bob")
    managed = tv.add_account("managed", title="Kid")
    friend = tv.add_account("shared", title="Carol", username="carol")
    no_access = tv.add_account("home", title="Dave", username="dave")
    household = Household(tv, pms, owner, home, managed, friend, no_access)
    for acc in (home, managed, friend):
        household.grant(acc, f"server-{acc.title.lower()}-{acc.id}")
    return household
