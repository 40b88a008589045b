import PalisadeCLI

// The endpoint binary: the same commands, no policies linked in.
PalisadeMain.run(policies: nil)
