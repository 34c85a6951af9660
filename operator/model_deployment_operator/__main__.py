"""python -m model_deployment_operator"""

from model_deployment_operator.cli import main

raise SystemExit(main())
