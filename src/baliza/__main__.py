from baliza.cli import main

main()
