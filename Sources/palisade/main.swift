import PalisadeCLI

PalisadeMain.run()
