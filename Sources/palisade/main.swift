import PalisadeCLI
import Policies

PalisadeMain.run(policies: PolicyRegistry.customers)
