"""Between the CRDs and SageMaker: spec -> Create* request, Describe* response -> status."""
