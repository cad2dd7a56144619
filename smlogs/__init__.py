"""``kubectl smlogs``: a SageMaker job's CloudWatch logs, found through its Kubernetes resource."""
