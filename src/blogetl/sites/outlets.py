"""The outlets the known sites publish as: names and aliases (domains are matched against the site)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutletInfo:
    """An outlet as blogetl knows it out of the box; the warehouse's outlets table is the users' copy."""

    outlet_id: str
    name: str
    aliases: tuple[str, ...]
    kind: str = "newspaper"


OUTLETS: tuple[OutletInfo, ...] = (
    OutletInfo("vk", "VK", ("VK", "Västerbottens-Kuriren", "Västerbottens Kuriren", "vk.se")),
    OutletInfo("folkbladet", "Folkbladet", ("Folkbladet", "Västerbottens Folkblad", "folkbladet.nu")),
    # Norrköping's Folkbladet (closed 2024) is another paper than Västerbottens Folkblad
    OutletInfo("folkbladet-norrkoping", "Folkbladet (Norrköping)", ("folkbladet.se",)),
    OutletInfo("offentliga-affarer", "Offentliga Affärer", ("Offentliga Affärer", "OFFENTLIGA AFFÄRER", "offentligaaffarer.se"), "trade press"),
    OutletInfo("upphandling24", "Upphandling24", ("Upphandling24", "upphandling24.se"), "trade press"),
    OutletInfo("norran", "Norran", ("Norran", "norran.se")),
    OutletInfo("pt", "Piteå-Tidningen", ("Piteå-Tidningen", "pt.se")),
    OutletInfo("vasterbottningen", "Västerbottningen", ("Västerbottningen", "vasterbottningen.se")),
    OutletInfo("nyheter-i-vasterbotten", "Nyheter i Västerbotten", ("nyheterivasterbotten.se",), "news site"),
    OutletInfo("veckans-nyheter", "Veckans Nyheter", ("Veckans Nyheter", "veckansnyheter.se")),
    OutletInfo("umesosse", "Umesossen", ("umesosse.se",), "party news site"),
    OutletInfo("svt", "SVT", ("SVT", "svt.se"), "broadcaster"),
    OutletInfo("inkopsradet", "Inköpsrådet", ("Inköpsrådet", "inkopsradet.se"), "trade press"),
    OutletInfo("expressen", "Expressen", ("Expressen", "expressen.se")),
    OutletInfo("dn", "Dagens Nyheter", ("Dagens Nyheter", "DN", "dn.se")),
    OutletInfo("aftonbladet", "Aftonbladet", ("Aftonbladet", "aftonbladet.se")),
    OutletInfo("svd", "Svenska Dagbladet", ("Svenska Dagbladet", "SvD", "svd.se")),
    OutletInfo("dagens-samhalle", "Dagens Samhälle", ("Dagens Samhälle", "dagenssamhalle.se"), "trade press"),
)
