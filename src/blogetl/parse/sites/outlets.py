"""The outlets the known sites publish as: names and aliases (domains are matched against the site)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outlet:
    """A newspaper, magazine or site, with every name it goes by (the warehouse's outlets table is the users' copy)."""

    outlet_id: str
    name: str
    aliases: tuple[str, ...]
    kind: str = "newspaper"


OUTLETS: tuple[Outlet, ...] = (
    Outlet("vk", "VK", ("VK", "Västerbottens-Kuriren", "Västerbottens Kuriren", "vk.se")),
    Outlet("folkbladet", "Folkbladet", ("Folkbladet", "Västerbottens Folkblad", "folkbladet.nu")),
    # Norrköping's Folkbladet (closed 2024) is another paper than Västerbottens Folkblad
    Outlet("folkbladet-norrkoping", "Folkbladet (Norrköping)", ("folkbladet.se",)),
    Outlet("offentliga-affarer", "Offentliga Affärer", ("Offentliga Affärer", "OFFENTLIGA AFFÄRER", "offentligaaffarer.se"), "trade press"),
    Outlet("upphandling24", "Upphandling24", ("Upphandling24", "upphandling24.se"), "trade press"),
    Outlet("norran", "Norran", ("Norran", "norran.se")),
    Outlet("pt", "Piteå-Tidningen", ("Piteå-Tidningen", "pt.se")),
    Outlet("vasterbottningen", "Västerbottningen", ("Västerbottningen", "vasterbottningen.se")),
    Outlet("nyheter-i-vasterbotten", "Nyheter i Västerbotten", ("nyheterivasterbotten.se",), "news site"),
    Outlet("veckans-nyheter", "Veckans Nyheter", ("Veckans Nyheter", "veckansnyheter.se")),
    Outlet("umesosse", "Umesossen", ("umesosse.se",), "party news site"),
    Outlet("svt", "SVT", ("SVT", "svt.se"), "broadcaster"),
    Outlet("inkopsradet", "Inköpsrådet", ("Inköpsrådet", "inkopsradet.se"), "trade press"),
    Outlet("expressen", "Expressen", ("Expressen", "expressen.se")),
    Outlet("dn", "Dagens Nyheter", ("Dagens Nyheter", "DN", "dn.se")),
    Outlet("aftonbladet", "Aftonbladet", ("Aftonbladet", "aftonbladet.se")),
    Outlet("svd", "Svenska Dagbladet", ("Svenska Dagbladet", "SvD", "svd.se")),
    Outlet("dagens-samhalle", "Dagens Samhälle", ("Dagens Samhälle", "dagenssamhalle.se"), "trade press"),
)
