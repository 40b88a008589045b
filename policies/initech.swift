import PalisadeDSL

/// Initech: mixed estate. Linux servers are enforced; Windows desktops stay in audit.
let initech = Customer("initech", name: "Initech", mode: .enforce, overrides: [.applocker: .audit]) {
    MSPBaseline()
    Linux {
        // Vendor-published hash, with the path the vendor's package installs to.
        Allow.sha256("6f3c157a3f3c43a99d2f76e4f2c1ac5b3e1fef11bfe2050c360410c359cb45e0",
                     at: "/opt/initech/bin/tps-report", reason: "TPS reports", owner: "initech-it")
        Allow.binary("examples/artifacts/linux/backup-agent", at: "/opt/initech/bin/backup-agent",
                     reason: "shared backup agent", owner: "initech-it", expires: "2027-06-30")
    }
    Windows {
        Allow.path(#"%PROGRAMFILES%\Initech\TPS\tps.exe"#, reason: "TPS client until its hash is published",
                   owner: "initech-it", ticket: "INI-42", expires: "2027-03-31")
    }
}
