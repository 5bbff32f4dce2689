"""Performance management (绩效): targets, execution, monitoring and self-evaluation."""
