"""Building blocks of the mastering stage (tasks/master.py): signal processing, ffmpeg calls,
loudness measurement, mixing, the music bed, and tags/transcripts."""
