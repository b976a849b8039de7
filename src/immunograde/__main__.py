from immunograde.cli.main import main

main()
