import PalisadeDSL

/// Acme Manufacturing: a Linux web-server estate built from one golden image.
let acme = Customer("acme", name: "Acme Manufacturing", mode: .enforce,
                    confinement: LinuxConfinement(loginShells: ["/usr/bin/bash"])) {
    MSPBaseline()
    Linux {
        Allow.tree("examples/images/acme-web", mountedAt: "/", reason: "acme-web golden image v42",
                   owner: "acme-ops")
        Allow.binary("examples/artifacts/linux/backup-agent", at: "/opt/acme/bin/backup-agent",
                     reason: "nightly backups", owner: "acme-ops", ticket: "ACME-2231")
    }
}
