import PalisadeDSL

/// Globex Corporation: Windows desktops, in audit mode while the allowlist is tuned.
let globex = Customer("globex", name: "Globex Corporation", mode: .audit) {
    MSPBaseline()
    Windows {
        Allow.binary("examples/artifacts/windows/globex-logon.cmd", at: #"%OSDRIVE%\Globex\logon.cmd"#,
                     reason: "logon script", owner: "globex-it")
        Allow.publisher("O=GLOBEX CORPORATION, L=SPRINGFIELD, S=OREGON, C=US", product: "GLOBEX DESKTOP",
                        reason: "in-house desktop tools, signed by Globex", owner: "globex-it")
        Allow.directory(#"%PROGRAMFILES%\Globex"#, reason: "in-house tools installed by IT only",
                        owner: "globex-it", ticket: "GLX-88")
    }
}
