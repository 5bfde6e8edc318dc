"""Deployment of Onsale to AWS: the merge template, the packaging and deploy helpers."""
