"""castwright's RunPod serverless TTS worker: schema -> engine -> clip check.

Deployable on its own (see worker/README.md); it imports nothing from the main app.
"""
