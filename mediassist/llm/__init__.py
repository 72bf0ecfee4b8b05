"""The language-model path: a prompt built for the server's prefix cache and a budget in real tokens, and a
check of every sentence of the model's answer against the summary before it reaches the patient."""
