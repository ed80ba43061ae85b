from profilecheck.cli import main

main()
