from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("members", "0002_segments")]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="betweenness",
            field=models.FloatField(default=0, help_text="normalized, in the interaction graph"),
        ),
        migrations.AddField(
            model_name="profile",
            name="bridge",
            field=models.BooleanField(default=False, help_text="among the top 5 % by betweenness"),
        ),
    ]
