@echo off
rem Globex logon script (example reference script).
net use G: \\fileserver\globex
