from dealbench.cli import main

main()
