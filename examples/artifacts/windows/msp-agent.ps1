# Northwind MSP management agent for Windows (example reference script).
Write-EventLog -LogName Application -Source NorthwindMSP -EventId 1 -Message "heartbeat"
